// Who hears of what a member does in a conversation (typing, read markers): active members with no block either way.
import type { ISql, PendingQuery, Row } from 'postgres'
import { NotFoundError } from '../errors.ts'

/**
 * The ids of `conversationId`'s members who may hear of `actorId`'s activity there, as an SQL array: active users
 * with no block either way between them and the actor. A block hides typing, read markers and presence both ways,
 * in groups too; a disabled or deleted member hears nothing.
 */
export function audienceOf(sql: ISql, conversationId: string, actorId: string): PendingQuery<Row[]> {
  return sql`array(
    select x.user_id::text
    from conversation_members x
    join users u on u.id = x.user_id and u.status = 'active'
    where x.conversation_id = ${conversationId}
      and not exists (
        select 1 from blocks b
        where (b.blocker_id = ${actorId} and b.blocked_id = x.user_id)
           or (b.blocker_id = x.user_id and b.blocked_id = ${actorId})))`
}

/** The other members who may hear of `actorId`'s typing; a non-member hears "not found", as if it did not exist. */
export async function typingAudience(sql: ISql, conversationId: string, actorId: string): Promise<string[]> {
  const [row] = await sql<{ audience: string[] }[]>`
    select ${audienceOf(sql, conversationId, actorId)} as audience
    from conversation_members m
    where m.conversation_id = ${conversationId} and m.user_id = ${actorId}`
  if (!row) throw new NotFoundError('No such conversation.')
  return row.audience.filter((id) => id !== actorId)
}

/**
 * The members among `memberIds` who blocked `userId`: in a group they are shown that user's messages hidden, and
 * quotes of them too.
 */
export async function blockersOf(
  sql: ISql,
  userId: string,
  memberIds: readonly string[],
): Promise<Set<string>> {
  if (memberIds.length === 0) return new Set()
  const rows = await sql<{ id: string }[]>`
    select blocker_id::text as id from blocks
    where blocked_id = ${userId} and blocker_id = any(${memberIds as string[]}::uuid[])`
  return new Set(rows.map((row) => row.id))
}
