// How two users stand to each other: the reads that friendship, messaging and presence rules share.
import type { Sql } from '../stores/postgres.ts'

/** Friendships store each unordered pair once, lower id first. */
export function orderedPair(a: string, b: string): [string, string] {
  return a < b ? [a, b] : [b, a]
}

export async function areFriends(sql: Sql, a: string, b: string): Promise<boolean> {
  const [low, high] = orderedPair(a, b)
  const [row] = await sql`
    select 1 from friendships where user_low = ${low} and user_high = ${high} and status = 'accepted'`
  return row !== undefined
}

/** True when either user has blocked the other. */
export async function blockedEitherWay(sql: Sql, a: string, b: string): Promise<boolean> {
  const [row] = await sql`
    select 1 from blocks
    where (blocker_id = ${a} and blocked_id = ${b}) or (blocker_id = ${b} and blocked_id = ${a})`
  return row !== undefined
}

/** Friends, not blocked either way, both active: the pairs that may message each other directly. */
export async function mayMessageDirectly(sql: Sql, a: string, b: string): Promise<boolean> {
  const [low, high] = orderedPair(a, b)
  const [row] = await sql`
    select 1
    from friendships f
    join users ul on ul.id = f.user_low and ul.status = 'active'
    join users uh on uh.id = f.user_high and uh.status = 'active'
    where f.user_low = ${low} and f.user_high = ${high} and f.status = 'accepted'
      and not exists (
        select 1 from blocks
        where (blocker_id = ${a} and blocked_id = ${b}) or (blocker_id = ${b} and blocked_id = ${a}))`
  return row !== undefined
}

/** The ids of a user's accepted friends, for presence fan-out and GET /presence. */
export async function friendIdsOf(sql: Sql, userId: string): Promise<string[]> {
  const rows = await sql<{ friend_id: string }[]>`
    select case when user_low = ${userId} then user_high else user_low end as friend_id
    from friendships
    where (user_low = ${userId} or user_high = ${userId}) and status = 'accepted'`
  return rows.map((row) => row.friend_id)
}
