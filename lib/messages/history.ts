// History pages by seq, read by `_id`: newest first by default, or forward from `after`.
import type { Db } from 'mongodb'
import * as z from 'zod'
import { NotFoundError } from '../errors.ts'
import { cursorCodec } from '../http/cursor.ts'
import type { HistoryQuery, MessageVersions } from '../protocol/http/conversations.ts'
import type { HistoryMessage, Receipts } from '../protocol/messages.ts'
import type { Page } from '../protocol/shared.ts'
import type { Sql } from '../stores/postgres.ts'
import {
  hiddenQuoteView,
  hiddenView,
  type Message,
  type MessageDocument,
  messageId,
  messagesAt,
  messagesOf,
  messageView,
  storeFault,
} from './store.ts'

const jsonBounds = z.strictObject({
  before: z.number().int().min(0).optional(),
  after: z.number().int().min(0).optional(),
})
const historyCursor = cursorCodec(jsonBounds)

/** How far a member has received and read: a read message counts as delivered too. */
interface MemberMarks {
  userId: string
  delivered: number
  read: number
}

export interface Reader {
  type: 'direct' | 'group'
  lastSeq: number
  /** In a group, the members the reader blocked: their messages are shown to the reader hidden. */
  hides: Set<string>
  /** The active members' markers, for each message's receipts. */
  members: MemberMarks[]
}

/** What a member reading the conversation needs; anyone else hears "not found". */
export async function readerOf(sql: Sql, conversationId: string, userId: string): Promise<Reader> {
  const [row] = await sql<
    { type: 'direct' | 'group'; lastSeq: string; hides: string[]; members: [string, string, string][] }[]
  >`
    select c.type, c.last_seq::text as "lastSeq",
           array(select b.blocked_id::text from blocks b
                 where c.type = 'group' and b.blocker_id = ${userId}) as hides,
           (select coalesce(json_agg(json_build_array(x.user_id::text,
                                                      greatest(x.delivered_seq, x.last_read_seq)::text,
                                                      x.last_read_seq::text)), '[]')
            from conversation_members x join users u on u.id = x.user_id and u.status = 'active'
            where x.conversation_id = c.id) as members
    from conversations c
    join conversation_members m on m.conversation_id = c.id and m.user_id = ${userId}
    where c.id = ${conversationId}`
  if (!row) throw new NotFoundError('No such conversation.')
  return {
    type: row.type,
    lastSeq: Number(row.lastSeq),
    hides: new Set(row.hides),
    members: row.members.map(([id, delivered, read]) => ({
      userId: id,
      delivered: Number(delivered),
      read: Number(read),
    })),
  }
}

/** A message's receipts (protocol/messages.ts) from the members' markers: counts in a group, ids in a direct. */
function receiptsOf(reader: Reader, message: Message): Receipts {
  const others = reader.members.filter((member) => member.userId !== message.senderId)
  const delivered = others.filter((member) => member.delivered >= message.seq)
  const read = others.filter((member) => member.read >= message.seq)
  if (reader.type === 'group') return { deliveredTo: delivered.length, readBy: read.length }
  return {
    deliveredTo: delivered.map((member) => member.userId),
    readBy: read.map((member) => member.userId),
  }
}

/**
 * The messages as `reader` sees them, replies quoting their parents as they are now (the parents outside the page
 * read by `_id` too, side by side).
 */
export async function readerViews(
  db: Db,
  reader: Reader,
  conversationId: string,
  documents: readonly MessageDocument[],
): Promise<Message[]> {
  const bySeq = new Map(documents.map((document) => [document.seq, document]))
  const missing = [
    ...new Set(
      documents.flatMap((d) => (d.replyTo !== undefined && !bySeq.has(d.replyTo) ? [d.replyTo] : [])),
    ),
  ]
  for (const parent of await messagesAt(db, conversationId, missing)) bySeq.set(parent.seq, parent)
  return documents.map((document) => {
    const parent = document.replyTo === undefined ? undefined : bySeq.get(document.replyTo)
    const view = messageView(document, parent)
    if (reader.hides.has(document.senderId)) return hiddenView(view)
    return parent && reader.hides.has(parent.senderId) ? hiddenQuoteView(view) : view
  })
}

/** `count` consecutive seqs from `first`. */
const seqsFrom = (first: number, count: number) =>
  Array.from({ length: Math.max(0, count) }, (_, i) => first + i)

/**
 * Messages with `after < seq < before`, oldest first within the page. With `after`, the page starts just after it
 * (a client that saw 40 and then 43 asks after=40&before=43); otherwise it ends at the newest below `before`.
 * `nextCursor` continues in the same direction. A page covers `limit` consecutive seqs, read by `_id` (see
 * messagesAt), so it costs the same at any depth; a seq that was taken but never stored leaves the page one short.
 * Two round trips: the membership check, which also gives the last seq and the members' markers (for each
 * message's receipts), then the lookups, made only for members (a third, side by side lookups again, when replies
 * in the page answer messages outside it).
 */
export async function messageHistory(
  ctx: { sql: Sql; mongo: Db },
  userId: string,
  conversationId: string,
  query: HistoryQuery,
): Promise<Page<HistoryMessage>> {
  const { before, after } = query.cursor ? historyCursor.decode(query.cursor) : query
  const reader = await readerOf(ctx.sql, conversationId, userId)
  const { lastSeq } = reader
  const newest = Math.min(lastSeq, (before ?? Number.POSITIVE_INFINITY) - 1)
  const seqs =
    after !== undefined
      ? seqsFrom(after + 1, Math.min(query.limit, newest - after))
      : seqsFrom(Math.max(1, newest - query.limit + 1), Math.min(query.limit, newest))
  const views = await messagesAt(ctx.mongo, conversationId, seqs)
    .then((documents) => readerViews(ctx.mongo, reader, conversationId, documents))
    .catch((error: unknown) => {
      throw storeFault(error, 'Message history is unavailable right now; retry shortly.')
    })
  const items = views.map((message) => ({ ...message, ...receiptsOf(reader, message) }))
  const [lowest, highest] = [seqs.at(0), seqs.at(-1)]
  const nextCursor =
    after !== undefined
      ? highest !== undefined && highest < newest
        ? historyCursor.encode({ after: highest, ...(before !== undefined && { before }) })
        : null
      : lowest !== undefined && lowest > 1
        ? historyCursor.encode({ before: lowest })
        : null
  return { items, nextCursor }
}

/** Every body the message has had, oldest first; none for a tombstone, or for a reader who blocked its sender. */
export async function messageVersions(
  ctx: { sql: Sql; mongo: Db },
  userId: string,
  conversationId: string,
  seq: number,
): Promise<MessageVersions> {
  const reader = await readerOf(ctx.sql, conversationId, userId)
  const message =
    seq <= reader.lastSeq
      ? await messagesOf(ctx.mongo)
          .findOne({ _id: messageId(conversationId, seq) })
          .catch((error: unknown) => {
            throw storeFault(error, 'Message history is unavailable right now; retry shortly.')
          })
      : null
  if (!message) throw new NotFoundError('No such message.')
  const shown = !message.deletedAt && !reader.hides.has(message.senderId)
  const versions = shown
    ? [...(message.edits ?? []), { body: message.body, at: message.editedAt ?? message.createdAt }]
    : []
  return { conversationId, seq, versions: versions.map((v) => ({ body: v.body, at: v.at.toISOString() })) }
}
