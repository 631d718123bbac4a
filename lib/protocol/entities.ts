// What HTTP responses and server frames carry about users, friendships, conversations, presence and notifications.
import * as z from 'zod'
import { message } from './messages.ts'
import { id, isoTime, page, seq } from './shared.ts'

/** What anyone signed in sees of a user: never the email. */
export const publicProfile = z
  .object({ id, username: z.string(), displayName: z.string() })
  .meta({ id: 'PublicProfile' })
export type PublicProfile = z.infer<typeof publicProfile>

export const accountStatus = z.enum(['active', 'disabled', 'deleted'])

/** What the owner (and an administrator) sees. */
export const account = z
  .object({
    id,
    email: z.string(),
    username: z.string(),
    displayName: z.string(),
    role: z.enum(['user', 'admin']),
    status: accountStatus,
    /** False until the owner opens the link mailed at signup (or resets the password through the mail). */
    emailVerified: z.boolean(),
    createdAt: isoTime,
  })
  .meta({ id: 'Account' })

/** Signup, login and refresh answer a session: the access token for requests, the refresh token for the next. */
export const session = z
  .object({
    user: account,
    accessToken: z.string(),
    refreshToken: z.string(),
    /** Seconds until the access token expires. */
    expiresIn: z.number().int(),
  })
  .meta({ id: 'Session' })
export type Session = z.infer<typeof session>

export const friendship = z
  .object({
    user: publicProfile,
    status: z.enum(['pending', 'accepted']),
    /** Who asked: `outgoing` when the viewer did. */
    direction: z.enum(['incoming', 'outgoing']),
    requestedAt: isoTime,
    acceptedAt: isoTime.nullable(),
  })
  .meta({ id: 'Friendship' })

export const memberRole = z.enum(['owner', 'admin', 'member'])

export const conversationSummary = z
  .object({
    id,
    type: z.enum(['direct', 'group']),
    name: z.string().nullable(),
    ownerId: id.nullable(),
    /** The caller's role. */
    role: memberRole,
    memberCount: z.number().int(),
    /** The other person of a direct conversation. */
    peer: publicProfile.nullable(),
    lastSeq: seq,
    lastReadSeq: seq,
    unreadCount: z.number().int(),
    lastMessage: message.nullable(),
    lastMessageAt: isoTime.nullable(),
    createdAt: isoTime,
  })
  .meta({ id: 'ConversationSummary' })

export const member = publicProfile
  .extend({ role: memberRole, joinedAt: isoTime, lastReadSeq: seq })
  .meta({ id: 'Member' })

export const conversationDetail = conversationSummary
  .extend({ members: z.array(member) })
  .meta({ id: 'ConversationDetail' })

export const presence = z
  .object({
    userId: id,
    status: z.enum(['online', 'offline']),
    /** Now for an online user, else when their last connection ended; null if never seen. */
    lastSeenAt: isoTime.nullable(),
  })
  .meta({ id: 'Presence' })

const notificationCommon = { id: z.string(), createdAt: isoTime, readAt: isoTime.nullable() }

/** An inbox entry: one per event a user was told of while away (or told of live, for friend events). */
export const notification = z
  .discriminatedUnion('kind', [
    z.object({
      ...notificationCommon,
      kind: z.literal('message.new'),
      conversationId: id,
      messageId: z.string(),
      seq,
      senderId: id,
      preview: z.string(),
    }),
    z.object({ ...notificationCommon, kind: z.literal('friend.request'), from: publicProfile }),
    z.object({ ...notificationCommon, kind: z.literal('friend.accepted'), from: publicProfile }),
  ])
  .meta({ id: 'Notification' })
export type Notification = z.infer<typeof notification>

export const inboxPage = page(notification)
  .extend({ unreadCount: z.number().int() })
  .meta({ id: 'NotificationPage' })

export const presignedUpload = z
  .object({
    key: z.string(),
    /** POST the form here: `fields` first, the file last. */
    url: z.string(),
    fields: z.record(z.string(), z.string()),
    expiresAt: isoTime,
  })
  .meta({ id: 'PresignedUpload' })

export const presignedDownload = z
  .object({ url: z.string(), expiresAt: isoTime })
  .meta({ id: 'PresignedDownload' })

export const healthReport = z
  .object({
    status: z.enum(['ok', 'degraded']),
    stores: z.record(
      z.string(),
      z.object({ status: z.enum(['up', 'down']), latencyMs: z.number(), error: z.string().optional() }),
    ),
  })
  .meta({ id: 'HealthReport' })
