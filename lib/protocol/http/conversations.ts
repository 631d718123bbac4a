// /conversations: direct and group conversations, members, history, sending, read markers.
import * as z from 'zod'
import { conversationId, memberId } from '../../conversations/fields.ts'
import { conversationDetail, conversationSummary } from '../entities.ts'
import { body, emoji, historyMessage, message, messageInput, reactionCounts } from '../messages.ts'
import { id, isoTime, page, pageQuery, seq, seqParameter } from '../shared.ts'
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
export const messagePath = z.strictObject({ id: conversationId, seq: seqParameter.min(1) })

/** A group's new name, or its new owner (the owner's to give; the old owner stays on as an admin). */
export const conversationChange = z
  .strictObject({ name: groupName.optional(), ownerId: memberId.optional() })
  .refine((change) => change.name !== undefined || change.ownerId !== undefined, {
    message: 'name at least one of name, ownerId',
    path: ['name'],
  })
  .meta({ id: 'ConversationChange' })
export type ConversationChange = z.infer<typeof conversationChange>

export const messageEdit = z
  .strictObject({ body: body.refine((text) => text.trim().length > 0, 'must not be empty') })
  .meta({ id: 'MessageEdit' })

export const reactionInput = z.strictObject({ emoji, on: z.boolean() }).meta({ id: 'ReactionInput' })

const editedMessage = z
  .object({ conversationId: id, seq, body: z.string(), editedAt: isoTime })
  .meta({ id: 'EditedMessage' })

const reactionState = z
  .object({ conversationId: id, seq, emoji: z.string(), on: z.boolean(), counts: reactionCounts })
  .meta({ id: 'ReactionState' })

/** Every body the message has had, oldest first; the last is the current one. A tombstone has none. */
export const messageVersions = z
  .object({ conversationId: id, seq, versions: z.array(z.object({ body: z.string(), at: isoTime })) })
  .meta({ id: 'MessageVersions' })
export type MessageVersions = z.infer<typeof messageVersions>

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
  'PATCH /conversations/{id}': {
    area,
    summary: 'Rename a group (owner and admins) or hand it over to another member (owner)',
    auth: true,
    path: conversationPath,
    body: conversationChange,
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
  'PATCH /conversations/{id}/messages/{seq}': {
    area,
    summary: 'Edit your own message within the edit window (15 minutes unless configured)',
    auth: true,
    path: messagePath,
    body: messageEdit,
    responses: { 200: editedMessage },
    problems: [403, 404, 409],
  },
  'DELETE /conversations/{id}/messages/{seq}': {
    area,
    summary: 'Delete a message, leaving a tombstone: your own, or any in a group you own or administer',
    auth: true,
    path: messagePath,
    responses: { 204: null },
    problems: [403, 404],
  },
  'GET /conversations/{id}/messages/{seq}/edits': {
    area,
    summary: 'The edit history of a message: every body it has had',
    auth: true,
    path: messagePath,
    responses: { 200: messageVersions },
    problems: [404],
  },
  'POST /conversations/{id}/messages/{seq}/reactions': {
    area,
    summary: 'Put your reaction on a message or take it off; the same twice changes nothing',
    auth: true,
    path: messagePath,
    body: reactionInput,
    responses: { 200: reactionState },
    problems: [404, 409],
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
