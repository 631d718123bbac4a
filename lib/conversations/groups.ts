// Groups: created by an owner with friends as members; owner and admins add, remove and rename, anyone may leave,
// the owner may hand the group over. Each change is logged as the conversation's events and told to the members.
import type { Db } from 'mongodb'
import type { ISql } from 'postgres'
import { deliverToUsers, type FanoutDeps } from '../delivery/fanout.ts'
import { ConflictError, ForbiddenError, NotFoundError } from '../errors.ts'
import {
  type ConversationEventFrame,
  logEvents,
  placedEvents,
  type Taken,
} from '../events/conversation-log.ts'
import { logger } from '../log.ts'
import {
  type ConversationChange,
  type MemberAddition,
  maxGroupMembers,
} from '../protocol/http/conversations.ts'
import { frames } from '../protocol/ws.ts'
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

/**
 * A new group owned by its creator; returns its id. Its first event is one `conversation.updated` (its name and
 * owner), told to every member: one frame each, whatever the size, and a device (or a sync) that meets an unknown
 * conversation reads it.
 */
export async function createGroup(
  ctx: GroupContext,
  ownerId: string,
  input: { name: string; memberIds: readonly string[] },
): Promise<string> {
  const memberIds = [ownerId, ...new Set(input.memberIds.filter((id) => id !== ownerId))]
  const { id, told } = await ctx.sql.begin(async (tx) => {
    await refuseStrangers(tx, ownerId, memberIds.slice(1))
    const [row] = await tx<{ id: string; name: string }[]>`
      insert into conversations (type, name, owner_id) values ('group', ${input.name}, ${ownerId})
      returning id::text, name`
    const { id, name } = row as { id: string; name: string }
    await tx`
      insert into conversation_members (conversation_id, user_id, role)
      select ${id}, member, case when member = ${ownerId}::uuid then 'owner' else 'member' end
      from unnest(${memberIds}::uuid[]) as member`
    const made = [frames.conversationUpdated({ conversationId: id, name, ownerId })]
    const taken = await logEvents(tx, ctx.mongo, id, ownerId, made)
    return { id, told: { frames: made, recipientIds: await activeMembers(tx, id), taken } }
  })
  await tell(ctx, told)
  return id
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

export interface GroupContext {
  sql: Sql
  mongo: Db
  fanout: () => FanoutDeps
}

/** What a committed change is told as: its frames, in the order of their event numbers, to these users. */
interface Told {
  frames: ConversationEventFrame[]
  recipientIds: string[]
  taken: Taken | undefined
}

/** The group's active members, as the change left them. */
async function activeMembers(tx: ISql, conversationId: string): Promise<string[]> {
  const rows = await tx<{ id: string }[]>`
    select x.user_id::text as id from conversation_members x join users u on u.id = x.user_id
    where x.conversation_id = ${conversationId} and u.status = 'active'`
  return rows.map((row) => row.id)
}

/** After the commit: each frame in order to every recipient's connections; a failure is logged, the change stays. */
async function tell(ctx: GroupContext, told: Told): Promise<void> {
  try {
    const placed = told.taken ? await placedEvents(ctx.sql, told.frames, told.taken) : told.frames
    for (const frame of placed) await deliverToUsers(ctx.fanout(), told.recipientIds, frame)
  } catch (error) {
    logger.error('group change stored but not delivered', { error: error as Error })
  }
}

/**
 * Adds members; owner and admins only. A role in the request is the owner's to give: it applies to the new members
 * and changes that of members already there (never the owner's). Without one, new members are plain members and
 * present ones keep theirs.
 */
export async function addMembers(
  ctx: GroupContext,
  actorId: string,
  conversationId: string,
  addition: MemberAddition,
): Promise<void> {
  const told = await ctx.sql.begin(async (tx): Promise<Told> => {
    const actor = await managedGroup(tx, conversationId, actorId)
    if (actor.role === 'member') throw new ForbiddenError('Only the owner and admins add members.')
    if (addition.role !== undefined && actor.role !== 'owner')
      throw new ForbiddenError('Only the owner gives roles.')
    const newIds = addition.userIds.filter((id) => !actor.memberIds.includes(id))
    if (actor.memberIds.length + newIds.length > maxGroupMembers)
      throw new ConflictError(`A group holds at most ${maxGroupMembers} members.`)
    await refuseStrangers(tx, actorId, newIds)
    const added = await tx<{ id: string }[]>`
      insert into conversation_members (conversation_id, user_id, role)
      select ${conversationId}, member, ${addition.role ?? 'member'} from unnest(${newIds}::uuid[]) as member
      on conflict do nothing
      returning user_id::text as id`
    if (addition.role !== undefined) {
      await tx`
        update conversation_members set role = ${addition.role}
        where conversation_id = ${conversationId} and user_id = any(${addition.userIds}::uuid[]) and role <> 'owner'`
    }
    const events = added.map((row) => frames.memberEvent('member.added', { conversationId, userId: row.id }))
    const taken = await logEvents(tx, ctx.mongo, conversationId, actorId, events)
    return { frames: events, recipientIds: await activeMembers(tx, conversationId), taken }
  })
  await tell(ctx, told)
}

const outranks: Record<MemberRole, readonly MemberRole[]> = {
  owner: ['admin', 'member'],
  admin: ['member'],
  member: [],
}

/**
 * Removes a member, or lets a member leave. The owner removes anyone, an admin only plain members; the owner
 * cannot leave before handing the group over (changeGroup), so a group never lacks one.
 */
export async function removeMember(
  ctx: GroupContext,
  actorId: string,
  conversationId: string,
  targetId: string,
): Promise<void> {
  const told = await ctx.sql.begin(async (tx): Promise<Told> => {
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
    const event = frames.memberEvent('member.removed', { conversationId, userId: targetId })
    const taken = await logEvents(tx, ctx.mongo, conversationId, actorId, [event])
    // The member who left or was removed hears of it too, and nothing after.
    return { frames: [event], recipientIds: [...(await activeMembers(tx, conversationId)), targetId], taken }
  })
  await tell(ctx, told)
}

/**
 * Renames the group (owner and admins) or hands it to another member (the owner only): the new owner takes the
 * owner's role, the old one stays on as an admin, so a group always has exactly one owner.
 */
export async function changeGroup(
  ctx: GroupContext,
  actorId: string,
  conversationId: string,
  change: ConversationChange,
): Promise<void> {
  const told = await ctx.sql.begin(async (tx): Promise<Told> => {
    const actor = await managedGroup(tx, conversationId, actorId)
    if (actor.role === 'member') throw new ForbiddenError('Only the owner and admins change a group.')
    const handOver = change.ownerId !== undefined && change.ownerId !== actorId
    if (change.ownerId !== undefined && actor.role !== 'owner')
      throw new ForbiddenError('Only the owner hands the group over.')
    if (handOver && !actor.memberIds.includes(change.ownerId as string))
      throw new NotFoundError('No such member.')
    if (handOver) {
      await tx`
        update conversation_members set role = case when user_id = ${actorId}::uuid then 'admin' else 'owner' end
        where conversation_id = ${conversationId} and user_id in (${actorId}::uuid, ${change.ownerId as string}::uuid)`
    }
    const [row] = await tx<{ name: string; ownerId: string }[]>`
      update conversations
      set name = coalesce(${change.name ?? null}, name),
          owner_id = case when ${handOver} then ${change.ownerId ?? null}::uuid else owner_id end
      where id = ${conversationId}
      returning name, owner_id::text as "ownerId"`
    const event = frames.conversationUpdated({
      conversationId,
      name: row?.name ?? '',
      ownerId: row?.ownerId ?? actorId,
    })
    const taken = await logEvents(tx, ctx.mongo, conversationId, actorId, [event])
    return { frames: [event], recipientIds: await activeMembers(tx, conversationId), taken }
  })
  await tell(ctx, told)
}
