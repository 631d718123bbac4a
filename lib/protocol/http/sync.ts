// GET /sync: every event since a cursor, across the caller's conversations and friend events.
import * as z from 'zod'
import { syncCursor, syncedFrame } from '../ws.ts'
import type { RouteContract } from './contract.ts'

export const syncQuery = z.strictObject({
  /** Where to continue: a page's `cursor`, or the `cursor` of the last frame received. None: start now. */
  cursor: syncCursor.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
})
export type SyncQuery = z.infer<typeof syncQuery>

export const syncPage = z
  .object({
    /** In order, as the WebSocket sends them live: each carries the cursor after it, a conversation's its `event`. */
    events: z.array(syncedFrame),
    /** Where the next call continues. */
    cursor: syncCursor,
    /** More events wait: call again with `cursor`. */
    hasMore: z.boolean(),
  })
  .meta({ id: 'SyncPage' })

export const syncRoutes = {
  'GET /sync': {
    area: 'sync',
    summary:
      'Every event you should have seen since the cursor (new messages as they are now, edits, deletes, ' +
      'reactions, members, group changes, friend requests), in order and paged; without a cursor, the cursor ' +
      'of now. A cursor older than the retention period (SYNC_RETENTION_DAYS, 90 by default) or not issued ' +
      'here: 410 cursor_expired, read the history again and start over without one.',
    auth: true,
    query: syncQuery,
    responses: { 200: syncPage },
    problems: [410],
  },
} satisfies Record<string, RouteContract>
