// One example of every WebSocket action and server frame, for the AsyncAPI document; each must parse (a test).
import type { ClientAction, ServerFrame } from './ws.ts'

const conversationId = '0b6f3c3e-8a1d-4d8e-9f0a-2c5e7d9b1a43'
const alice = '5f0c2a9e-1b7d-4e3a-8c6f-9d2b4a1e7c50'
const bob = 'c3d9e8f1-2a4b-4c6d-8e0f-1a2b3c4d5e6f'
const at = '2026-12-03T09:15:00.000Z'
/** What a sync cursor looks like: opaque to clients, sent back unchanged. */
const cursor =
  'eyJzZWVuIjoiNzQxMDI6NzQxMDI6Iiwic2VlbkF0IjoxNzk2Mjg5NzAwMDAwfQ.mS7n0dXq1Wc0oV9uC4o6nqk2m0J3Q2JtXx3p8pJ2p9E'
const profile = { id: bob, username: 'bob', displayName: 'Bob' }
const message = {
  id: `${conversationId}:42`,
  conversationId,
  seq: 42,
  senderId: alice,
  clientMsgId: 'web-1733217300000-1',
  body: 'See you at nine?',
  attachments: [],
  createdAt: at,
}

export const actionExamples: { [K in ClientAction['action']]: Extract<ClientAction, { action: K }> } = {
  ping: { action: 'ping' },
  sendMessage: {
    action: 'sendMessage',
    conversationId,
    clientMsgId: message.clientMsgId,
    body: message.body,
  },
  typing: { action: 'typing', conversationId, state: 'start' },
  markRead: { action: 'markRead', conversationId, seq: 42 },
  editMessage: { action: 'editMessage', conversationId, seq: 42, body: 'See you at ten?' },
  deleteMessage: { action: 'deleteMessage', conversationId, seq: 42 },
  react: { action: 'react', conversationId, seq: 42, emoji: '👍', on: true },
  ackDelivery: { action: 'ackDelivery', conversationId, seq: 42 },
  resume: { action: 'resume', cursor, limit: 500 },
}

export const frameExamples: { [K in ServerFrame['type']]: Extract<ServerFrame, { type: K }> } = {
  pong: { type: 'pong' },
  error: {
    type: 'error',
    code: 'rate_limited',
    message: 'Too many messages; retry after retryAfterMs.',
    action: 'sendMessage',
    clientMsgId: message.clientMsgId,
    retryAfterMs: 1200,
  },
  'message.ack': { type: 'message.ack', clientMsgId: message.clientMsgId, message },
  'message.new': { type: 'message.new', message, event: 57, cursor },
  read: { type: 'read', conversationId, userId: bob, seq: 42 },
  delivered: { type: 'delivered', conversationId, userId: bob, seq: 42 },
  typing: { type: 'typing', conversationId, userId: alice, state: 'start' },
  presence: { type: 'presence', userId: bob, status: 'online', lastSeenAt: at },
  notification: {
    type: 'notification',
    notification: {
      id: '6750a1b2c3d4e5f601234567',
      kind: 'friend.request',
      from: profile,
      createdAt: at,
      readAt: null,
    },
  },
  'friend.request': { type: 'friend.request', from: profile, at, cursor },
  'friend.accepted': { type: 'friend.accepted', from: profile, at, cursor },
  'message.updated': {
    type: 'message.updated',
    conversationId,
    seq: 42,
    body: 'See you at ten?',
    editedAt: at,
    event: 58,
    cursor,
  },
  'message.deleted': { type: 'message.deleted', conversationId, seq: 42, event: 59, cursor },
  reaction: {
    type: 'reaction',
    conversationId,
    seq: 42,
    emoji: '👍',
    userId: bob,
    on: true,
    counts: { '👍': 2 },
    event: 60,
    cursor,
  },
  'member.added': { type: 'member.added', conversationId, userId: bob, event: 61, cursor },
  'member.removed': { type: 'member.removed', conversationId, userId: bob, event: 62, cursor },
  'conversation.updated': {
    type: 'conversation.updated',
    conversationId,
    name: 'Weekend trip',
    ownerId: alice,
    event: 63,
    cursor,
  },
  resumed: { type: 'resumed', cursor, hasMore: false },
}
