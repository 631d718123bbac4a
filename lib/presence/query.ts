// GET /presence: the online status and last-seen time of the caller's friends among the users asked about.
import type { Redis } from '@upstash/redis'
import { friendIdsOf } from '../friends/relations.ts'
import type { PresenceQuery } from '../protocol/http/friends.ts'
import type { Sql } from '../stores/postgres.ts'
import { type Presence, presenceOf } from './tracker.ts'

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
