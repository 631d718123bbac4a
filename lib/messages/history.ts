// History pages by seq on the conversation_seq index: newest first by default, or forward from `after`.

import type { Db } from 'mongodb'
import { z } from 'zod'
import { membershipOf } from '../conversations/access.ts'
import { seqParameter } from '../conversations/fields.ts'
import { cursorCodec } from '../http/cursor.ts'
import type { Sql } from '../stores/postgres.ts'
import type { Page } from '../users/search.ts'
import { type Message, messagesOf, messageView, storeFault } from './store.ts'

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

/**
 * Messages with `after < seq < before`, oldest first within the page. With `after`, the page starts just after it
 * (a client that saw 40 and then 43 asks after=40&before=43); otherwise it ends at the newest below `before`.
 * `nextCursor` continues in the same direction. Members only; the read runs beside the membership check and is
 * dropped for anyone else.
 */
export async function messageHistory(
  ctx: { sql: Sql; mongo: Db },
  userId: string,
  conversationId: string,
  query: HistoryQuery,
): Promise<Page<Message>> {
  const { before, after } = query.cursor ? historyCursor.decode(query.cursor) : query
  const forward = after !== undefined
  const range = { ...(after !== undefined && { $gt: after }), ...(before !== undefined && { $lt: before }) }
  const [, documents] = await Promise.all([
    membershipOf(ctx.sql, conversationId, userId),
    messagesOf(ctx.mongo)
      .find({ conversationId, ...(Object.keys(range).length > 0 && { seq: range }) })
      .sort({ seq: forward ? 1 : -1 })
      .limit(query.limit + 1)
      .toArray()
      .catch((error: unknown) => {
        throw storeFault(error, 'Message history is unavailable right now; retry shortly.')
      }),
  ])
  const page = documents.slice(0, query.limit)
  const last = page.at(-1)
  const nextCursor =
    documents.length > query.limit && last
      ? historyCursor.encode(
          forward ? { after: last.seq, ...(before !== undefined && { before }) } : { before: last.seq },
        )
      : null
  return { items: (forward ? page : page.reverse()).map(messageView), nextCursor }
}
