// Messages in MongoDB: the stored document, the view clients get, and the lookups by `_id` that read them.
import {
  type Db,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from 'mongodb'
import { isAppError, UnavailableError } from '../errors.ts'
import { collections } from '../migrations/mongo.ts'
import type { Attachment } from '../protocol/messages.ts'

export interface MessageDocument {
  _id: string
  conversationId: string
  seq: number
  senderId: string
  clientMsgId: string
  body: string
  attachments: Attachment[]
  createdAt: Date
}

/** A message as every client sees it (ARCHITECTURE.md section 4): the stored one with a string id and time. */
export type Message = Omit<MessageDocument, '_id' | 'createdAt'> & { id: string; createdAt: string }

export function messageView(document: MessageDocument): Message {
  return {
    id: document._id,
    conversationId: document.conversationId,
    seq: document.seq,
    senderId: document.senderId,
    clientMsgId: document.clientMsgId,
    body: document.body,
    attachments: document.attachments,
    createdAt: document.createdAt.toISOString(),
  }
}

export const messagesOf = (db: Db) => db.collection<MessageDocument>(collections.messages)

/** MongoDB out of reach is the client's cue to retry later with the same clientMsgId. */
export function storeFault(
  error: unknown,
  detail = 'Messages cannot be stored right now; send again later with the same clientMsgId.',
): unknown {
  if (isAppError(error)) return error
  const unreachable =
    error instanceof MongoServerSelectionError ||
    error instanceof MongoNetworkError ||
    error instanceof MongoNotConnectedError ||
    error instanceof MongoTopologyClosedError
  return unreachable ? new UnavailableError(detail, { cause: error }) : error
}

export function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === 11000
}

/**
 * Where the message at `seq` is stored: its `_id`. Every read of a message is a lookup by `_id` alone: the one filter
 * that FerretDB 1.24 on SQLite, the local stand-in, hands to SQLite at all (any other, `_id` ranges and `$in`
 * included, it evaluates on every document of the collection), and one that MongoDB answers from its `_id` index.
 * So no read need depend on a conversation's depth or on how many messages the collection holds (on the stand-in,
 * once SQLite serves that lookup from the `_id_` index: see the README's local stores).
 */
export function messageId(conversationId: string, seq: number): string {
  return `${conversationId}:${seq}`
}

/**
 * The stored messages at these seqs, oldest first; a seq taken but never stored (a failed or abandoned send) is
 * simply absent. One lookup by `_id` per seq, side by side; the driver's pool (maxPoolSize) bounds how many run at
 * once, so a page of 50 costs 50 point reads whatever the depth.
 */
export async function messagesAt(
  db: Db,
  conversationId: string,
  seqs: readonly number[],
): Promise<MessageDocument[]> {
  const found = await Promise.all(
    seqs.map((seq) => messagesOf(db).findOne({ _id: messageId(conversationId, seq) })),
  )
  return found.filter((message) => message !== null).sort((a, b) => a.seq - b.seq)
}

/** How far back the last message is looked for when the last seq was never stored. */
const lastMessageReach = 10

/**
 * The conversation's newest stored message at or below `lastSeq`: the one at `lastSeq`, else (its send failed or
 * is still being stored) the newest of the ten before it, else none.
 */
export async function lastMessageOf(
  db: Db,
  conversationId: string,
  lastSeq: number,
): Promise<MessageDocument | undefined> {
  if (lastSeq < 1) return undefined
  const last = await messagesOf(db).findOne({ _id: messageId(conversationId, lastSeq) })
  if (last) return last
  const below = Array.from({ length: Math.min(lastMessageReach, lastSeq - 1) }, (_, i) => lastSeq - 1 - i)
  return (await messagesAt(db, conversationId, below)).at(-1)
}
