// The WebSocket protocol: every client action and every server frame as a schema, and the builders the server
// makes its frames with, so no frame leaves it in a shape this file does not describe.
import * as z from 'zod'
import { conversationId, memberId } from '../conversations/fields.ts'
import { notification, publicProfile } from './entities.ts'
import {
  body,
  emoji,
  messageContent,
  message as messageSchema,
  messageSeq,
  reactionCounts,
} from './messages.ts'
import { errorCode, fieldError } from './problem.ts'
import { id, isoTime, seq } from './shared.ts'

/** A sync cursor: opaque, sent back unchanged; a page's `cursor`, or the `cursor` of the last frame received. */
export const syncCursor = z.string().min(1).max(4000)

/**
 * What every frame that changes state carries, live and in a catch-up: `cursor`, from which `GET /sync` or the
 * `resume` action continue after this frame, and for a conversation's events `event`, the conversation's event
 * number (1, 2, 3, ... with no gap), by which a client told the same event twice drops the second.
 */
const cursorField = { cursor: syncCursor.optional() }
const eventFields = {
  event: z.number().int().positive().optional(),
  ...cursorField,
}

/* Client -> server: routed on `action` (infra/routes.ts), one schema per route. */

export const pingAction = z.strictObject({ action: z.literal('ping') }).meta({ id: 'PingAction' })

/** A message to a conversation, or to a friend by `toUserId` (opening the direct conversation). */
export const sendMessageAction = z
  .strictObject({
    action: z.literal('sendMessage'),
    conversationId: conversationId.optional(),
    toUserId: memberId.optional(),
    ...messageContent.fields,
  })
  .refine((frame) => frame.body.trim().length > 0 || frame.attachments.length > 0, messageContent.rule)
  .refine((frame) => (frame.conversationId === undefined) !== (frame.toUserId === undefined), {
    message: 'name exactly one of conversationId, toUserId',
    path: ['conversationId'],
  })
  .meta({ id: 'SendMessageAction' })
export type SendMessageAction = z.infer<typeof sendMessageAction>

export const typingAction = z
  .strictObject({ action: z.literal('typing'), conversationId, state: z.enum(['start', 'stop']) })
  .meta({ id: 'TypingAction' })
export type TypingAction = z.infer<typeof typingAction>

export const markReadAction = z
  .strictObject({ action: z.literal('markRead'), conversationId, seq })
  .meta({ id: 'MarkReadAction' })
export type MarkReadAction = z.infer<typeof markReadAction>

/** A new body for one's own message, within the edit window. */
export const editMessageAction = z
  .strictObject({
    action: z.literal('editMessage'),
    conversationId,
    seq: messageSeq,
    body: body.refine((text) => text.trim().length > 0, 'must not be empty'),
  })
  .meta({ id: 'EditMessageAction' })
export type EditMessageAction = z.infer<typeof editMessageAction>

/** Leaves a tombstone: the sender's own message, or any in a group the caller owns or administers. */
export const deleteMessageAction = z
  .strictObject({ action: z.literal('deleteMessage'), conversationId, seq: messageSeq })
  .meta({ id: 'DeleteMessageAction' })
export type DeleteMessageAction = z.infer<typeof deleteMessageAction>

/** Puts the caller's reaction on (`on: true`) or takes it off; saying the same twice changes nothing. */
export const reactAction = z
  .strictObject({ action: z.literal('react'), conversationId, seq: messageSeq, emoji, on: z.boolean() })
  .meta({ id: 'ReactAction' })
export type ReactAction = z.infer<typeof reactAction>

/** Cumulative: the device has received every message of the conversation up to `seq`. */
export const ackDeliveryAction = z
  .strictObject({ action: z.literal('ackDelivery'), conversationId, seq })
  .meta({ id: 'AckDeliveryAction' })
export type AckDeliveryAction = z.infer<typeof ackDeliveryAction>

/**
 * Catch up from a cursor: every event since it, as the frames live delivery sends, in order, then `resumed`. With
 * `hasMore`, resume again from its cursor; live frames flow all along (drop those whose `event` you already have).
 */
export const resumeAction = z
  .strictObject({
    action: z.literal('resume'),
    cursor: syncCursor,
    limit: z.number().int().min(1).max(500).default(500),
  })
  .meta({ id: 'ResumeAction' })
export type ResumeAction = z.infer<typeof resumeAction>

/** Every action by its route key. */
export const clientActions = {
  ping: pingAction,
  sendMessage: sendMessageAction,
  typing: typingAction,
  markRead: markReadAction,
  editMessage: editMessageAction,
  deleteMessage: deleteMessageAction,
  react: reactAction,
  ackDelivery: ackDeliveryAction,
  resume: resumeAction,
} as const
export type ClientAction = z.input<(typeof clientActions)[keyof typeof clientActions]>

/* Server -> client: named by `type`. */

export const pongFrame = z.object({ type: z.literal('pong') }).meta({ id: 'PongFrame' })

/** A frame that could not be served: the code an HTTP problem would carry, and the action and retry key it echoes. */
export const errorFrame = z
  .object({
    type: z.literal('error'),
    code: errorCode,
    message: z.string(),
    /** The action of the frame refused, when it named one. */
    action: z.string().optional(),
    /** The refused frame's clientMsgId, so an outbox can tell which send failed. */
    clientMsgId: z.string().optional(),
    /** For `rate_limited`: when a retry may pass. */
    retryAfterMs: z.number().int().optional(),
    errors: z.array(fieldError).optional(),
  })
  .meta({ id: 'ErrorFrame' })

/** The sender's answer: the message is stored with its seq (a retry of the same clientMsgId answers the same). */
export const messageAckFrame = z
  .object({ type: z.literal('message.ack'), clientMsgId: z.string(), message: messageSchema })
  .meta({ id: 'MessageAckFrame' })

export const messageNewFrame = z
  .object({ type: z.literal('message.new'), message: messageSchema, ...eventFields })
  .meta({ id: 'MessageNewFrame' })

export const messageUpdatedFrame = z
  .object({
    type: z.literal('message.updated'),
    conversationId: id,
    seq,
    body: z.string(),
    editedAt: isoTime,
    ...eventFields,
  })
  .meta({ id: 'MessageUpdatedFrame' })

/** The message at `seq` is now a tombstone. */
export const messageDeletedFrame = z
  .object({ type: z.literal('message.deleted'), conversationId: id, seq, ...eventFields })
  .meta({ id: 'MessageDeletedFrame' })

/** A member's reaction went on or off; `counts` are the message's counts after it. */
export const reactionFrame = z
  .object({
    type: z.literal('reaction'),
    conversationId: id,
    seq,
    emoji: z.string(),
    userId: id,
    on: z.boolean(),
    counts: reactionCounts,
    ...eventFields,
  })
  .meta({ id: 'ReactionFrame' })

export const memberAddedFrame = z
  .object({ type: z.literal('member.added'), conversationId: id, userId: id, ...eventFields })
  .meta({ id: 'MemberAddedFrame' })

/** Sent to the remaining members and to the one who left or was removed. */
export const memberRemovedFrame = z
  .object({ type: z.literal('member.removed'), conversationId: id, userId: id, ...eventFields })
  .meta({ id: 'MemberRemovedFrame' })

/** A group's name or owner changed; both are given as they are now. */
export const conversationUpdatedFrame = z
  .object({
    type: z.literal('conversation.updated'),
    conversationId: id,
    name: z.string(),
    ownerId: id,
    ...eventFields,
  })
  .meta({ id: 'ConversationUpdatedFrame' })

/** A member's read marker moved to `seq`. */
export const readFrame = z
  .object({ type: z.literal('read'), conversationId: id, userId: id, seq })
  .meta({ id: 'ReadFrame' })

/**
 * To a sender: `userId` has received everything up to `seq`, the sender's messages among it included. Sent once per
 * recipient for each message, however many of the recipient's devices acknowledge it.
 */
export const deliveredFrame = z
  .object({ type: z.literal('delivered'), conversationId: id, seq, userId: id })
  .meta({ id: 'DeliveredFrame' })

export const typingFrame = z
  .object({
    type: z.literal('typing'),
    conversationId: id,
    userId: id,
    state: z.enum(['start', 'stop']),
  })
  .meta({ id: 'TypingFrame' })

export const presenceFrame = z
  .object({
    type: z.literal('presence'),
    userId: id,
    status: z.enum(['online', 'offline']),
    lastSeenAt: isoTime,
  })
  .meta({ id: 'PresenceFrame' })

export const notificationFrame = z
  .object({ type: z.literal('notification'), notification })
  .meta({ id: 'NotificationFrame' })

export const friendRequestFrame = z
  .object({ type: z.literal('friend.request'), from: publicProfile, at: isoTime, ...cursorField })
  .meta({ id: 'FriendRequestFrame' })

export const friendAcceptedFrame = z
  .object({ type: z.literal('friend.accepted'), from: publicProfile, at: isoTime, ...cursorField })
  .meta({ id: 'FriendAcceptedFrame' })

/** A catch-up page was sent: continue from `cursor`, resuming again while `hasMore`. */
export const resumedFrame = z
  .object({ type: z.literal('resumed'), cursor: syncCursor, hasMore: z.boolean() })
  .meta({ id: 'ResumedFrame' })

/** The frames a catch-up replays: every event a user is told of that changes state. */
export const syncedFrame = z
  .discriminatedUnion('type', [
    messageNewFrame,
    messageUpdatedFrame,
    messageDeletedFrame,
    reactionFrame,
    memberAddedFrame,
    memberRemovedFrame,
    conversationUpdatedFrame,
    friendRequestFrame,
    friendAcceptedFrame,
  ])
  .meta({ id: 'SyncedFrame' })
export type SyncedFrame = z.infer<typeof syncedFrame>

/** Every server frame by its `type`. */
export const serverFrames = {
  pong: pongFrame,
  error: errorFrame,
  'message.ack': messageAckFrame,
  'message.new': messageNewFrame,
  'message.updated': messageUpdatedFrame,
  'message.deleted': messageDeletedFrame,
  reaction: reactionFrame,
  'member.added': memberAddedFrame,
  'member.removed': memberRemovedFrame,
  'conversation.updated': conversationUpdatedFrame,
  read: readFrame,
  delivered: deliveredFrame,
  typing: typingFrame,
  presence: presenceFrame,
  notification: notificationFrame,
  'friend.request': friendRequestFrame,
  'friend.accepted': friendAcceptedFrame,
  resumed: resumedFrame,
} as const

export const serverFrame = z.discriminatedUnion('type', [
  pongFrame,
  errorFrame,
  messageAckFrame,
  messageNewFrame,
  messageUpdatedFrame,
  messageDeletedFrame,
  reactionFrame,
  memberAddedFrame,
  memberRemovedFrame,
  conversationUpdatedFrame,
  readFrame,
  deliveredFrame,
  typingFrame,
  presenceFrame,
  notificationFrame,
  friendRequestFrame,
  friendAcceptedFrame,
  resumedFrame,
])
export type ServerFrame = z.infer<typeof serverFrame>
export type ServerFrameType = ServerFrame['type']
export type ServerFrameOf<T extends ServerFrameType> = Extract<ServerFrame, { type: T }>

type Payload<T extends ServerFrameType> = Omit<ServerFrameOf<T>, 'type'>

/**
 * The only way the server makes a frame. Typed, not parsed: the compiler holds every call site to the schema, and
 * test/unit/protocol.test.ts parses each builder's output, so the hot path pays no validation per frame.
 */
export const frames = {
  pong: (): ServerFrameOf<'pong'> => ({ type: 'pong' }),
  error: (payload: Payload<'error'>): ServerFrameOf<'error'> => ({ type: 'error', ...payload }),
  messageAck: (
    clientMsgId: string,
    message: z.infer<typeof messageSchema>,
  ): ServerFrameOf<'message.ack'> => ({
    type: 'message.ack',
    clientMsgId,
    message,
  }),
  messageNew: (message: z.infer<typeof messageSchema>): ServerFrameOf<'message.new'> => ({
    type: 'message.new',
    message,
  }),
  messageUpdated: (payload: Payload<'message.updated'>): ServerFrameOf<'message.updated'> => ({
    type: 'message.updated',
    ...payload,
  }),
  messageDeleted: (payload: Payload<'message.deleted'>): ServerFrameOf<'message.deleted'> => ({
    type: 'message.deleted',
    ...payload,
  }),
  reaction: (payload: Payload<'reaction'>): ServerFrameOf<'reaction'> => ({ type: 'reaction', ...payload }),
  memberEvent: (
    type: 'member.added' | 'member.removed',
    payload: Payload<'member.added'>,
  ): ServerFrameOf<'member.added' | 'member.removed'> => ({
    type,
    conversationId: payload.conversationId,
    userId: payload.userId,
  }),
  conversationUpdated: (payload: Payload<'conversation.updated'>): ServerFrameOf<'conversation.updated'> => ({
    type: 'conversation.updated',
    ...payload,
  }),
  read: (payload: Payload<'read'>): ServerFrameOf<'read'> => ({ type: 'read', ...payload }),
  delivered: (payload: Payload<'delivered'>): ServerFrameOf<'delivered'> => ({
    type: 'delivered',
    ...payload,
  }),
  typing: (payload: Payload<'typing'>): ServerFrameOf<'typing'> => ({ type: 'typing', ...payload }),
  presence: (payload: Payload<'presence'>): ServerFrameOf<'presence'> => ({ type: 'presence', ...payload }),
  notification: (payload: Payload<'notification'>['notification']): ServerFrameOf<'notification'> => ({
    type: 'notification',
    notification: payload,
  }),
  friendEvent: (
    type: 'friend.request' | 'friend.accepted',
    payload: Payload<'friend.request'>,
  ): ServerFrameOf<'friend.request' | 'friend.accepted'> => ({ type, from: payload.from, at: payload.at }),
  resumed: (payload: Payload<'resumed'>): ServerFrameOf<'resumed'> => ({ type: 'resumed', ...payload }),
}

/** Where a frame stands in the user's sync: the cursor after it, and a conversation event's number. */
export interface SyncPlace {
  cursor: string
  event?: number
}

/** The frame with its place in the sync added (see `eventFields`). */
export function placed<F extends SyncedFrame>(frame: F, place: SyncPlace): F {
  return { ...frame, ...(place.event !== undefined && { event: place.event }), cursor: place.cursor }
}
