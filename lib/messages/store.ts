// Messages in MongoDB: the stored document, the view clients get, and the queries that the indexes serve.
import {
  type Db,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from 'mongodb'
import { isAppError, UnavailableError } from '../errors.ts'
import { collections } from '../migrations/mongo.ts'
import type { Attachment } from '../uploads/attachments.ts'

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
 * Where the message at `seq` is stored: its `_id`, so that a retry reads its first message by `_id` alone: the one
 * filter that FerretDB 1.24 on SQLite, the local stand-in, hands to SQLite at all (any other it evaluates on every
 * document of the collection), and one that MongoDB answers from its `_id` index.
 */
export function messageId(conversationId: string, seq: number): string {
  return `${conversationId}:${seq}`
}

/** Each conversation's message at its last seq, in one query on the conversation_seq index. */
export async function messagesAt(
  db: Db,
  places: readonly { conversationId: string; seq: number }[],
): Promise<Map<string, MessageDocument>> {
  if (places.length === 0) return new Map()
  const found = await messagesOf(db)
    .find({ $or: places.map(({ conversationId, seq }) => ({ conversationId, seq })) })
    .toArray()
  return new Map(found.map((document) => [document.conversationId, document]))
}

/** The newest stored message of a conversation, for one whose last seq was taken but never stored. */
export async function newestMessage(db: Db, conversationId: string): Promise<MessageDocument | null> {
  return messagesOf(db).find({ conversationId }).sort({ seq: -1 }).limit(1).next()
}
