// Groups: created by an owner with friends as members; owner and admins add and remove, anyone may leave.
import type { ISql } from 'postgres'
import { ConflictError, ForbiddenError, NotFoundError } from '../errors.ts'
import { type MemberAddition, maxGroupMembers } from '../protocol/http/conversations.ts'
import type { Sql } from '../stores/postgres.ts'
import { type MemberRole, type Membership, mayMessage, membershipOf } from './access.ts'

/**
 * Whoever adds someone to a group must be free to message them directly (friends, no block either way): a group
 * must not become a way to reach a stranger, or someone who blocked you.
 */
async function refuseStrangers(sql: ISql, adderId: string, userIds: readonly string[]): Promise<void> {
  if (userIds.length === 0) return
  const strangers = await sql<{ id: string }[]>`
    select u::text as id from unnest(${userIds as string[]}::uuid[]) as u
    where not ${mayMessage(sql, adderId, sql`u`)}`
  if (strangers.length > 0) throw new ForbiddenError('You can add only your friends to a group.')
}

/** A new group owned by its creator; returns its id. */
export async function createGroup(
  sql: Sql,
  ownerId: string,
  input: { name: string; memberIds: readonly string[] },
): Promise<string> {
  const others = input.memberIds.filter((id) => id !== ownerId)
  return sql.begin(async (tx) => {
    await refuseStrangers(tx, ownerId, others)
    const [row] = await tx<{ id: string }[]>`
      insert into conversations (type, name, owner_id) values ('group', ${input.name}, ${ownerId})
      returning id::text`
    const id = (row as { id: string }).id
    await tx`
      insert into conversation_members (conversation_id, user_id, role)
      select ${id}, member, case when member = ${ownerId}::uuid then 'owner' else 'member' end
      from unnest(${[ownerId, ...others]}::uuid[]) as member`
    return id
  })
}

async function managedGroup(sql: ISql, conversationId: string, actorId: string): Promise<Membership> {
  // The row lock serialises concurrent changes to one group, so its size limit holds.
  const [locked] = await sql`select 1 from conversations where id = ${conversationId} for update`
  if (!locked) throw new NotFoundError('No such conversation.')
  const membership = await membershipOf(sql, conversationId, actorId)
  if (membership.type === 'direct')
    throw new ConflictError('A direct conversation always has exactly its two members.')
  return membership
}

/**
 * Adds members; owner and admins only. A role in the request is the owner's to give: it applies to the new members
 * and changes that of members already there (never the owner's). Without one, new members are plain members and
 * present ones keep theirs.
 */
export async function addMembers(
  sql: Sql,
  actorId: string,
  conversationId: string,
  addition: MemberAddition,
): Promise<void> {
  await sql.begin(async (tx) => {
    const actor = await managedGroup(tx, conversationId, actorId)
    if (actor.role === 'member') throw new ForbiddenError('Only the owner and admins add members.')
    if (addition.role !== undefined && actor.role !== 'owner')
      throw new ForbiddenError('Only the owner gives roles.')
    const newIds = addition.userIds.filter((id) => !actor.memberIds.includes(id))
    if (actor.memberIds.length + newIds.length > maxGroupMembers)
      throw new ConflictError(`A group holds at most ${maxGroupMembers} members.`)
    await refuseStrangers(tx, actorId, newIds)
    await tx`
      insert into conversation_members (conversation_id, user_id, role)
      select ${conversationId}, member, ${addition.role ?? 'member'} from unnest(${newIds}::uuid[]) as member
      on conflict do nothing`
    if (addition.role !== undefined) {
      await tx`
        update conversation_members set role = ${addition.role}
        where conversation_id = ${conversationId} and user_id = any(${addition.userIds}::uuid[]) and role <> 'owner'`
    }
  })
}

const outranks: Record<MemberRole, readonly MemberRole[]> = {
  owner: ['admin', 'member'],
  admin: ['member'],
  member: [],
}

/**
 * Removes a member, or lets a member leave. The owner removes anyone, an admin only plain members; the owner
 * cannot leave (handing ownership over is not supported), so a group never lacks one.
 */
export async function removeMember(
  sql: Sql,
  actorId: string,
  conversationId: string,
  targetId: string,
): Promise<void> {
  await sql.begin(async (tx) => {
    const actor = await managedGroup(tx, conversationId, actorId)
    const [target] = await tx<{ role: MemberRole }[]>`
      select role from conversation_members where conversation_id = ${conversationId} and user_id = ${targetId}`
    if (!target) throw new NotFoundError('No such member.')
    if (targetId === actorId) {
      if (actor.role === 'owner') throw new ConflictError('The owner cannot leave the group.')
    } else if (!outranks[actor.role].includes(target.role)) {
      throw new ForbiddenError('Your role in this group does not allow removing this member.')
    }
    await tx`delete from conversation_members where conversation_id = ${conversationId} and user_id = ${targetId}`
  })
}
