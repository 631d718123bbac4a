// Who may see and write a conversation: membership, and for direct ones the friendship rule, each in one query.
import type { ISql, PendingQuery, Row } from 'postgres'
import { NotFoundError } from '../errors.ts'
import type { Sql } from '../stores/postgres.ts'

export type ConversationType = 'direct' | 'group'
export type MemberRole = 'owner' | 'admin' | 'member'

/**
 * The rule of lib/friends/relations.ts `mayMessageDirectly` (accepted friends, both active, no block either way) as
 * an SQL condition: the database function `may_message` (migration 5), so that every statement that needs it, a
 * send's included, runs the one definition; a test pins that it agrees with mayMessageDirectly.
 */
export function mayMessage(sql: ISql, me: string, other: PendingQuery<Row[]>) {
  return sql`may_message(${me}::uuid, ${other})`
}

export interface Membership {
  conversationId: string
  type: ConversationType
  role: MemberRole
  memberIds: string[]
}

/** The caller's membership with every member's id; a non-member hears "not found", as if it did not exist. */
export async function membershipOf(sql: ISql, conversationId: string, userId: string): Promise<Membership> {
  const [row] = await sql<Omit<Membership, 'conversationId'>[]>`
    select c.type, m.role,
           array(select x.user_id::text from conversation_members x where x.conversation_id = c.id) as "memberIds"
    from conversations c
    join conversation_members m on m.conversation_id = c.id and m.user_id = ${userId}
    where c.id = ${conversationId}`
  if (!row) throw new NotFoundError('No such conversation.')
  return { conversationId, ...row }
}

export interface WriteAccess {
  type: ConversationType
  memberIds: string[]
  /** False when a direct conversation's two people may no longer message each other. */
  allowed: boolean
}

/** Membership plus, for a direct conversation, the friendship rule towards the other member: one round trip. */
export async function writeAccess(sql: Sql, conversationId: string, userId: string): Promise<WriteAccess> {
  const [row] = await sql<WriteAccess[]>`
    select c.type,
           array(select x.user_id::text from conversation_members x where x.conversation_id = c.id) as "memberIds",
           case when c.type = 'group' then me.status = 'active'
                else exists (
                  select 1 from conversation_members o
                  where o.conversation_id = c.id and o.user_id <> ${userId}
                    and ${mayMessage(sql, userId, sql`o.user_id`)})
           end as allowed
    from conversations c
    join conversation_members m on m.conversation_id = c.id and m.user_id = ${userId}
    join users me on me.id = m.user_id
    where c.id = ${conversationId}`
  if (!row) throw new NotFoundError('No such conversation.')
  return row
}
