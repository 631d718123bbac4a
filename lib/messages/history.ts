// History pages by seq, read by `_id`: newest first by default, or forward from `after`.
import type { Db } from 'mongodb'
import * as z from 'zod'
import { seqParameter } from '../conversations/fields.ts'
import { NotFoundError } from '../errors.ts'
import { cursorCodec } from '../http/cursor.ts'
import type { Sql } from '../stores/postgres.ts'
import type { Page } from '../users/search.ts'
import { type Message, messagesAt, messageView, storeFault } from './store.ts'

const bounds = z.strictObject({ before: seqParameter.optional(), after: seqParameter.optional() })

export const historyQuery = bounds
  .extend({
    limit: z.coerce.number().int().min(1).max(100).default(50),
    cursor: z.string().max(200).optional(),
  })
  .refine((query) => !(query.cursor && (query.before !== undefined || query.after !== undefined)), {
    message: 'a cursor already holds its bounds; send it without before or after',
    path: ['cursor'],
  })
export type HistoryQuery = z.infer<typeof historyQuery>

const jsonBounds = bounds.extend({
  before: z.number().int().min(0).optional(),
  after: z.number().int().min(0).optional(),
})
const historyCursor = cursorCodec(jsonBounds)

/** The conversation's last seq, for a member; anyone else hears "not found". */
async function lastSeqFor(sql: Sql, conversationId: string, userId: string): Promise<number> {
  const [row] = await sql<{ lastSeq: string }[]>`
    select c.last_seq::text as "lastSeq"
    from conversations c
    join conversation_members m on m.conversation_id = c.id and m.user_id = ${userId}
    where c.id = ${conversationId}`
  if (!row) throw new NotFoundError('No such conversation.')
  return Number(row.lastSeq)
}

/** `count` consecutive seqs from `first`. */
const seqsFrom = (first: number, count: number) =>
  Array.from({ length: Math.max(0, count) }, (_, i) => first + i)

/**
 * Messages with `after < seq < before`, oldest first within the page. With `after`, the page starts just after it
 * (a client that saw 40 and then 43 asks after=40&before=43); otherwise it ends at the newest below `before`.
 * `nextCursor` continues in the same direction. A page covers `limit` consecutive seqs, read by `_id` (see
 * messagesAt), so it costs the same at any depth; a seq that was taken but never stored leaves the page one short.
 * Two round trips: the membership check, which also gives the last seq, then the lookups, made only for members.
 */
export async function messageHistory(
  ctx: { sql: Sql; mongo: Db },
  userId: string,
  conversationId: string,
  query: HistoryQuery,
): Promise<Page<Message>> {
  const { before, after } = query.cursor ? historyCursor.decode(query.cursor) : query
  const lastSeq = await lastSeqFor(ctx.sql, conversationId, userId)
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
  return { items: documents.map(messageView), nextCursor }
}
