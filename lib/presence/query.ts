// GET /presence: the online status and last-seen time of the caller's friends among the users asked about.
import type { Redis } from '@upstash/redis'
import * as z from 'zod'
import { friendIdsOf } from '../friends/relations.ts'
import type { Sql } from '../stores/postgres.ts'
import { userId } from '../users/fields.ts'
import { type Presence, presenceOf } from './tracker.ts'

export const maxPresenceIds = 100

export const presenceQuery = z.strictObject({
  userIds: z
    .string()
    .transform((text) => [
      ...new Set(
        text
          .split(',')
          .map((id) => id.trim())
          .filter((id) => id.length > 0),
      ),
    ])
    .pipe(
      z
        .array(userId)
        .min(1, 'must name at least one user')
        .max(maxPresenceIds, `must name at most ${maxPresenceIds} users`),
    ),
})
export type PresenceQuery = z.infer<typeof presenceQuery>

/**
 * Answers for friends only. Anyone else asked about (strangers, unknown ids, the caller) is left out rather than
 * refused, so the answer never tells whether an account exists; the shape is a list like every other.
 */
export async function friendsPresence(
  ctx: { sql: Sql; redis: Redis },
  callerId: string,
  query: PresenceQuery,
): Promise<{ items: Presence[]; nextCursor: null }> {
  const friends = new Set(await friendIdsOf(ctx.sql, callerId))
  const asked = query.userIds.filter((id) => friends.has(id))
  return { items: await presenceOf(ctx.redis, asked), nextCursor: null }
}
