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
import type { Attachment, Message as MessageWire, Quote, ReactionCounts } from '../protocol/messages.ts'

export interface MessageDocument {
  _id: string
  conversationId: string
  seq: number
  senderId: string
  clientMsgId: string
  body: string
  attachments: Attachment[]
  createdAt: Date
  /** The seq of the message this one answers. */
  replyTo?: number
  /** When the body was last replaced; `edits` holds the bodies it replaced, oldest first. */
  editedAt?: Date
  edits?: { body: string; at: Date }[]
  /** A tombstone: body, attachments, edits and reactions are gone, seq stays. */
  deletedAt?: Date
  /** Who reacted with which emoji, in the order each emoji was first used. */
  reactions?: { emoji: string; userIds: string[] }[]
}

/** A message as every client sees it (ARCHITECTURE.md section 4): the stored one with a string id and times. */
export type Message = MessageWire

export function reactionCountsOf(document: Pick<MessageDocument, 'reactions'>): ReactionCounts {
  return Object.fromEntries(
    (document.reactions ?? []).filter((r) => r.userIds.length > 0).map((r) => [r.emoji, r.userIds.length]),
  )
}

/** What a reply shows of `parent`: its body as it is now, or its tombstone. */
export function quoteOf(parent: MessageDocument): Quote {
  return parent.deletedAt
    ? { seq: parent.seq, senderId: parent.senderId, body: '', deleted: true }
    : { seq: parent.seq, senderId: parent.senderId, body: parent.body }
}

/** The message as clients see it; a reply carries the quote of its parent when the parent is at hand. */
export function messageView(document: MessageDocument, parent?: MessageDocument | null): Message {
  const counts = reactionCountsOf(document)
  return {
    id: document._id,
    conversationId: document.conversationId,
    seq: document.seq,
    senderId: document.senderId,
    clientMsgId: document.clientMsgId,
    body: document.body,
    attachments: document.attachments,
    createdAt: document.createdAt.toISOString(),
    ...(document.editedAt && { editedAt: document.editedAt.toISOString() }),
    ...(document.deletedAt && { deleted: true as const }),
    ...(parent && { replyTo: quoteOf(parent) }),
    ...(Object.keys(counts).length > 0 && { reactions: counts }),
  }
}

/** The message as a member who blocked the sender of the message it quotes sees it: the quote says nothing. */
export function hiddenQuoteView(message: Message): Message {
  if (!message.replyTo) return message
  const { seq, senderId } = message.replyTo
  return { ...message, replyTo: { seq, senderId, body: '', hidden: true } }
}

/**
 * The message as a member who blocked its sender sees it in a group: there, with its seq, but nothing of what it
 * says. The stored message is the same for everyone; only this view differs.
 */
export function hiddenView(message: Message): Message {
  const { replyTo: _, reactions: __, editedAt: ___, ...kept } = message
  return { ...kept, body: '', attachments: [], hidden: true }
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
