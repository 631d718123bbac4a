// Who may see and write a conversation: membership, and for direct ones the friendship rule.
import type { ISql, PendingQuery, Row } from 'postgres'
import { NotFoundError } from '../errors.ts'

export type ConversationType = 'direct' | 'group'
export type MemberRole = 'owner' | 'admin' | 'member'

/**
 * The rule of lib/friends/relations.ts `mayMessageDirectly` (accepted friends, both active, no block either way) as
 * an SQL condition. It is the database function `may_message`, so that the send statement (`reserve_message`) checks
 * the same rule as opening a conversation or adding to a group; a test pins that it agrees with mayMessageDirectly.
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
