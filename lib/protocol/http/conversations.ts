// /conversations: direct and group conversations, members, history, sending, read markers.
import { z } from 'zod'
import { conversationId, memberId } from '../../conversations/fields.ts'
import { conversationDetail, conversationSummary } from '../entities.ts'
import { historyMessage, message, messageInput } from '../messages.ts'
import { page, pageQuery, seq, seqParameter } from '../shared.ts'
import type { RouteContract } from './contract.ts'

/** A group holds its owner and at most this many others in all. */
export const maxGroupMembers = 256
/** Members added in one request. */
const maxAddedAtOnce = 50

// Control characters and bidirectional overrides would let a name disguise itself in a client's list.
const disguising = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u

export const groupName = z
  .string()
  .trim()
  .normalize('NFC')
  .min(1, 'must not be empty')
  .max(100, 'must have at most 100 characters')
  .refine((name) => !disguising.test(name), 'must not contain control characters')

const distinct = (ids: string[]) => new Set(ids).size === ids.length

export const newConversation = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('direct'), userId: memberId }),
    z.strictObject({
      type: z.literal('group'),
      name: groupName,
      memberIds: z
        .array(memberId)
        .max(maxGroupMembers - 1)
        .refine(distinct, 'must not repeat an id')
        .default([]),
    }),
  ])
  .meta({ id: 'NewConversation' })
export type NewConversation = z.infer<typeof newConversation>

export const memberAddition = z
  .strictObject({
    userIds: z.array(memberId).min(1).max(maxAddedAtOnce).refine(distinct, 'must not repeat an id'),
    /** New members join as this (plain members unless said); only the owner names it, and may so change a member's. */
    role: z.enum(['member', 'admin']).optional(),
  })
  .meta({ id: 'MemberAddition' })
export type MemberAddition = z.infer<typeof memberAddition>

export const conversationPath = z.strictObject({ id: conversationId })
export const memberPath = z.strictObject({ id: conversationId, userId: memberId })

export const conversationListQuery = z.strictObject(pageQuery(50, 20))
export type ConversationListQuery = z.infer<typeof conversationListQuery>

const bounds = { before: seqParameter.optional(), after: seqParameter.optional() }

/** Newest first below `before`, or forward from `after`; a cursor holds its own bounds. */
export const historyQuery = z
  .strictObject({ ...bounds, ...pageQuery(100, 50) })
  .refine((query) => !(query.cursor && (query.before !== undefined || query.after !== undefined)), {
    message: 'a cursor already holds its bounds; send it without before or after',
    path: ['cursor'],
  })
export type HistoryQuery = z.infer<typeof historyQuery>

export const readMarker = z.strictObject({ seq }).meta({ id: 'ReadMarker' })

const sent = z.object({ clientMsgId: z.string(), message }).meta({ id: 'SentMessage' })
const area = 'conversations'

export const conversationRoutes = {
  'POST /conversations': {
    area,
    summary: 'Start a group, or open the direct conversation with a friend (200 when it exists)',
    auth: true,
    body: newConversation,
    responses: { 200: conversationDetail, 201: conversationDetail },
    problems: [403],
  },
  'GET /conversations': {
    area,
    summary: 'Your conversations, most recent activity first, with unread counts',
    auth: true,
    query: conversationListQuery,
    responses: { 200: page(conversationSummary).meta({ id: 'ConversationPage' }) },
  },
  'GET /conversations/{id}': {
    area,
    summary: 'One conversation with its members',
    auth: true,
    path: conversationPath,
    responses: { 200: conversationDetail },
    problems: [404],
  },
  'POST /conversations/{id}/members': {
    area,
    summary: 'Add friends to a group (owner and admins)',
    auth: true,
    path: conversationPath,
    body: memberAddition,
    responses: { 200: conversationDetail },
    problems: [403, 404, 409],
  },
  'DELETE /conversations/{id}/members/{userId}': {
    area,
    summary: 'Remove a member from a group, or leave it',
    auth: true,
    path: memberPath,
    responses: { 204: null },
    problems: [403, 404, 409],
  },
  'GET /conversations/{id}/messages': {
    area,
    summary: 'A page of history by seq, oldest first within the page',
    auth: true,
    path: conversationPath,
    query: historyQuery,
    responses: { 200: page(historyMessage).meta({ id: 'MessagePage' }) },
    problems: [404],
  },
  'POST /conversations/{id}/messages': {
    area,
    summary: 'Send a message (201); a retry with the same clientMsgId answers the stored one (200)',
    auth: true,
    path: conversationPath,
    body: messageInput,
    responses: { 200: sent, 201: sent },
    problems: [403, 404, 413],
  },
  'POST /conversations/{id}/read': {
    area,
    summary: 'Move your read marker forward to seq',
    auth: true,
    path: conversationPath,
    body: readMarker,
    responses: {
      200: z.object({ conversationId: z.uuid(), lastReadSeq: seq }).meta({ id: 'ReadMarkerState' }),
    },
    problems: [404],
  },
} satisfies Record<string, RouteContract>
