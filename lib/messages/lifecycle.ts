// Editing, deleting and reacting to a message: checked and recorded under the conversation's row lock, then told.
import type { Db } from 'mongodb'
import type { ISql } from 'postgres'
import type { MemberRole } from '../conversations/access.ts'
import { blockersOf } from '../conversations/audience.ts'
import { deliverToUsers, type FanoutDeps } from '../delivery/fanout.ts'
import { NotFoundError } from '../errors.ts'
import {
  type ConversationEventFrame,
  conversationEventId,
  placedEvents,
  recordEvents,
  takeEvents,
} from '../events/conversation-log.ts'
import { logger } from '../log.ts'
import { frames } from '../protocol/ws.ts'
import type { Sql } from '../stores/postgres.ts'
import { type Actor, deleted, edited, reacted } from './lifecycle-rules.ts'
import { type MessageDocument, messageId, messagesOf, reactionCountsOf, storeFault } from './store.ts'

export interface LifecycleContext {
  sql: Sql
  mongo: Db
  fanout: () => FanoutDeps
  /** How long after sending its sender may edit a message. */
  editWindowMs: number
  now?: () => Date
}

/** A change as decided by the rules: the message to store and the frame that tells the members. */
interface Change<F extends ConversationEventFrame> {
  document: MessageDocument
  frame: F
  /** Sent to the members who blocked the message's sender too (a tombstone tells them nothing). */
  toBlockers?: boolean
  /** Uploads the message no longer holds: the conversation stops granting their download. */
  withdrawnUploads?: readonly string[]
}

export interface Changed<F extends ConversationEventFrame> {
  /** The message as stored after the call. */
  message: MessageDocument
  /** The frame the members were sent; undefined when the call changed nothing (the same reaction twice, say). */
  frame?: F
  /** The event number the change took in the conversation's log. */
  event?: number
}

/** Locks the conversation row: the caller's place in it, and its active members, who are told of the change. */
async function lockedMember(
  tx: ISql,
  conversationId: string,
  userId: string,
): Promise<{ actor: Actor; memberIds: string[] }> {
  const [row] = await tx<{ type: 'direct' | 'group'; role: MemberRole; memberIds: string[] }[]>`
    select c.type, m.role,
           array(select x.user_id::text from conversation_members x join users u on u.id = x.user_id
                 where x.conversation_id = c.id and u.status = 'active') as "memberIds"
    from conversations c
    join conversation_members m on m.conversation_id = c.id and m.user_id = ${userId}
    where c.id = ${conversationId}
    for update of c`
  if (!row) throw new NotFoundError('No such conversation.')
  return { actor: { userId, role: row.role, conversationType: row.type }, memberIds: row.memberIds }
}

/**
 * One change to one message. Under the conversation row's lock (which sends to the conversation also queue on), the
 * message is read, the rule decides, the next event number is taken, and the message and the event record are
 * written before the commit: so changes to a conversation are stored in the order of their numbers, and a number
 * is committed only once its record exists. Members' live connections hear of it after the commit.
 */
async function changeMessage<F extends ConversationEventFrame>(
  ctx: LifecycleContext,
  actorId: string,
  at: { conversationId: string; seq: number },
  rule: (message: MessageDocument, actor: Actor, now: Date) => Change<F> | undefined,
): Promise<Changed<F>> {
  const now = ctx.now?.() ?? new Date()
  const _id = messageId(at.conversationId, at.seq)
  const outcome = await ctx.sql
    .begin(async (tx) => {
      const { actor, memberIds } = await lockedMember(tx, at.conversationId, actorId)
      const message = await messagesOf(ctx.mongo).findOne({ _id })
      if (!message) throw new NotFoundError('No such message.')
      const change = rule(message, actor, now)
      if (!change) return { message }
      const taken = await takeEvents(tx, at.conversationId)
      const event = taken.first
      const withdrawn = [...(change.withdrawnUploads ?? [])]
      await Promise.all([
        withdrawn.length > 0 &&
          tx`delete from message_attachments
             where conversation_id = ${at.conversationId} and upload_key = any(${withdrawn}::text[])`,
        messagesOf(ctx.mongo).replaceOne({ _id }, change.document),
        recordEvents(ctx.mongo, [
          {
            _id: conversationEventId(at.conversationId, event),
            conversationId: at.conversationId,
            event,
            actorId,
            at: now,
            type: change.frame.type,
            frame: change.frame,
          },
        ]),
      ])
      const blockers =
        actor.conversationType === 'group' && !change.toBlockers
          ? await blockersOf(tx, message.senderId, memberIds)
          : new Set<string>()
      return {
        message: change.document,
        frame: change.frame,
        event,
        taken,
        recipients: memberIds.filter((id) => !blockers.has(id)),
      }
    })
    .catch((error: unknown) => {
      throw storeFault(error, 'The message cannot be changed right now; retry shortly.')
    })
  if (!outcome.frame || !outcome.recipients) return { message: outcome.message }
  const { recipients, frame, taken } = outcome
  await placedEvents(ctx.sql, [frame], taken)
    .then(([told]) => deliverToUsers(ctx.fanout(), recipients, told ?? frame))
    .catch((error: unknown) =>
      logger.error('message change stored but not delivered', { error: error as Error, messageId: _id }),
    )
  return { message: outcome.message, frame: outcome.frame, event: outcome.event }
}

/** A new body for the sender's own message, within the edit window; the old one stays in its edit history. */
export function editMessage(
  ctx: LifecycleContext,
  userId: string,
  input: { conversationId: string; seq: number; body: string },
): Promise<Changed<ConversationEventFrame & { type: 'message.updated' }>> {
  return changeMessage(ctx, userId, input, (message, actor, now) => {
    const document = edited(message, actor, input.body, now, ctx.editWindowMs)
    return {
      document,
      frame: frames.messageUpdated({
        conversationId: input.conversationId,
        seq: input.seq,
        body: document.body,
        editedAt: now.toISOString(),
      }),
    }
  })
}

/** Leaves a tombstone in place of the message; deleting a tombstone changes nothing. */
export function deleteMessage(
  ctx: LifecycleContext,
  userId: string,
  input: { conversationId: string; seq: number },
): Promise<Changed<ConversationEventFrame & { type: 'message.deleted' }>> {
  return changeMessage(ctx, userId, input, (message, actor, now) => {
    const document = deleted(message, actor, now)
    if (!document) return undefined
    return {
      document,
      frame: frames.messageDeleted({ conversationId: input.conversationId, seq: input.seq }),
      toBlockers: true,
      withdrawnUploads: message.attachments.map((attachment) => attachment.key),
    }
  })
}

/** Puts a member's reaction on or takes it off; the same twice changes nothing and tells no one. */
export function react(
  ctx: LifecycleContext,
  userId: string,
  input: { conversationId: string; seq: number; emoji: string; on: boolean },
): Promise<Changed<ConversationEventFrame & { type: 'reaction' }>> {
  return changeMessage(ctx, userId, input, (message) => {
    const document = reacted(message, userId, input.emoji, input.on)
    if (!document) return undefined
    return {
      document,
      frame: frames.reaction({
        conversationId: input.conversationId,
        seq: input.seq,
        emoji: input.emoji,
        userId,
        on: input.on,
        counts: reactionCountsOf(document),
      }),
    }
  })
}
