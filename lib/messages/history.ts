// History pages by seq, read by `_id`: newest first by default, or forward from `after`.
import type { Db } from 'mongodb'
import { z } from 'zod'
import { NotFoundError } from '../errors.ts'
import { cursorCodec } from '../http/cursor.ts'
import type { HistoryQuery } from '../protocol/http/conversations.ts'
import type { HistoryMessage, Receipts } from '../protocol/messages.ts'
import type { Page } from '../protocol/shared.ts'
import type { Sql } from '../stores/postgres.ts'
import { type Message, messagesAt, messageView, storeFault } from './store.ts'

const jsonBounds = z.strictObject({
  before: z.number().int().min(0).optional(),
  after: z.number().int().min(0).optional(),
})
const historyCursor = cursorCodec(jsonBounds)

/** How far each member has received and read: a read message counts as delivered too. */
interface MemberMarks {
  userId: string
  delivered: number
  read: number
}

interface Conversation {
  type: 'direct' | 'group'
  lastSeq: number
  members: MemberMarks[]
}

/** The conversation's last seq and its active members' markers, for a member; anyone else hears "not found". */
async function conversationFor(sql: Sql, conversationId: string, userId: string): Promise<Conversation> {
  const [row] = await sql<
    { type: 'direct' | 'group'; lastSeq: string; members: [string, string, string][] }[]
  >`
    select c.type, c.last_seq::text as "lastSeq",
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
    members: row.members.map(([id, delivered, read]) => ({
      userId: id,
      delivered: Number(delivered),
      read: Number(read),
    })),
  }
}

/** A message's receipts (protocol/messages.ts) from the members' markers: counts in a group, ids in a direct. */
function receiptsOf(conversation: Conversation, message: Message): Receipts {
  const others = conversation.members.filter((member) => member.userId !== message.senderId)
  const delivered = others.filter((member) => member.delivered >= message.seq)
  const read = others.filter((member) => member.read >= message.seq)
  if (conversation.type === 'group') return { deliveredTo: delivered.length, readBy: read.length }
  return {
    deliveredTo: delivered.map((member) => member.userId),
    readBy: read.map((member) => member.userId),
  }
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
 * message's receipts), then the lookups, made only for members.
 */
export async function messageHistory(
  ctx: { sql: Sql; mongo: Db },
  userId: string,
  conversationId: string,
  query: HistoryQuery,
): Promise<Page<HistoryMessage>> {
  const { before, after } = query.cursor ? historyCursor.decode(query.cursor) : query
  const conversation = await conversationFor(ctx.sql, conversationId, userId)
  const { lastSeq } = conversation
  const newest = Math.min(lastSeq, (before ?? Number.POSITIVE_INFINITY) - 1)
  const seqs =
    after !== undefined
      ? seqsFrom(after + 1, Math.min(query.limit, newest - after))
      : seqsFrom(Math.max(1, newest - query.limit + 1), Math.min(query.limit, newest))
  const documents = await messagesAt(ctx.mongo, conversationId, seqs).catch((error: unknown) => {
    throw storeFault(error, 'Message history is unavailable right now; retry shortly.')
  })
  const [lowest, highest] = [seqs.at(0), seqs.at(-1)]
  const nextCursor =
    after !== undefined
      ? highest !== undefined && highest < newest
        ? historyCursor.encode({ after: highest, ...(before !== undefined && { before }) })
        : null
      : lowest !== undefined && lowest > 1
        ? historyCursor.encode({ before: lowest })
        : null
  const items = documents
    .map(messageView)
    .map((message) => ({ ...message, ...receiptsOf(conversation, message) }))
  return { items, nextCursor }
}
