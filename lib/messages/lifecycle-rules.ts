// Who may edit, delete and react to a message, and what each leaves stored: plain functions over the stored message.
import type { MemberRole } from '../conversations/access.ts'
import { ConflictError, ForbiddenError } from '../errors.ts'
import type { MessageDocument } from './store.ts'

/** The acting member as the conversation row knows them. */
export interface Actor {
  userId: string
  role: MemberRole
  conversationType: 'direct' | 'group'
}

/** The message after an edit by its sender within the window; the replaced body joins the edit history. */
export function edited(
  message: MessageDocument,
  actor: Actor,
  body: string,
  now: Date,
  windowMs: number,
): MessageDocument {
  if (message.senderId !== actor.userId) throw new ForbiddenError('Only its sender edits a message.')
  if (message.deletedAt) throw new ConflictError('The message was deleted.')
  if (now.getTime() - message.createdAt.getTime() > windowMs)
    throw new ForbiddenError(
      `A message can be edited only in the ${windowMs / 60_000} minutes after it was sent.`,
    )
  return {
    ...message,
    body,
    editedAt: now,
    edits: [...(message.edits ?? []), { body: message.body, at: message.editedAt ?? message.createdAt }],
  }
}

/**
 * The tombstone of a message: its sender may delete it, and in a group so may the owner and the admins. Deleting a
 * tombstone changes nothing (undefined). Body, attachments, edit history and reactions go; seq and sender stay.
 */
export function deleted(message: MessageDocument, actor: Actor, now: Date): MessageDocument | undefined {
  const moderates = actor.conversationType === 'group' && actor.role !== 'member'
  if (message.senderId !== actor.userId && !moderates)
    throw new ForbiddenError('Only its sender, or an owner or admin of the group, deletes a message.')
  if (message.deletedAt) return undefined
  const { edits: _, editedAt: __, reactions: ___, ...kept } = message
  return { ...kept, body: '', attachments: [], deletedAt: now }
}

/**
 * The message with `userId`'s reaction `emoji` on or off; undefined when it already was (reacting is idempotent).
 * An emoji nobody holds any more is dropped.
 */
export function reacted(
  message: MessageDocument,
  userId: string,
  emoji: string,
  on: boolean,
): MessageDocument | undefined {
  if (message.deletedAt) throw new ConflictError('The message was deleted.')
  const reactions = message.reactions ?? []
  const holds = reactions.some((r) => r.emoji === emoji && r.userIds.includes(userId))
  if (holds === on) return undefined
  const changed = on
    ? reactions.some((r) => r.emoji === emoji)
      ? reactions.map((r) => (r.emoji === emoji ? { emoji, userIds: [...r.userIds, userId] } : r))
      : [...reactions, { emoji, userIds: [userId] }]
    : reactions
        .map((r) => (r.emoji === emoji ? { emoji, userIds: r.userIds.filter((id) => id !== userId) } : r))
        .filter((r) => r.userIds.length > 0)
  return { ...message, reactions: changed }
}
