// The WebSocket protocol: each builder makes a frame its schema accepts, and every routed action has a schema.
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { syncedFrameTypes } from '../../client/sdk/events.ts'
import { httpRoutes, webSocket } from '../../infra/routes.ts'
import { httpContract } from '../../lib/protocol/http/index.ts'
import { messagePushPayload } from '../../lib/protocol/http/push.ts'
import {
  clientActions,
  frames,
  type ServerFrame,
  serverFrame,
  serverFrames,
  syncedFrame,
} from '../../lib/protocol/ws.ts'
import { messagePush } from '../../lib/push/send.ts'

const [alice, bob, conversation] = [randomUUID(), randomUUID(), randomUUID()]
const at = new Date().toISOString()
const profile = { id: bob, username: 'bob', displayName: 'Bob' }
const message = {
  id: `${conversation}:7`,
  conversationId: conversation,
  seq: 7,
  senderId: alice,
  clientMsgId: 'c-7',
  body: 'hi',
  attachments: [],
  createdAt: at,
}

/** One frame from every builder. */
const built: ServerFrame[] = [
  frames.pong(),
  frames.error({ code: 'rate_limited', message: 'slow down', action: 'typing', retryAfterMs: 900 }),
  frames.messageAck('c-7', message),
  frames.messageNew(message),
  frames.messageNew({
    ...message,
    editedAt: at,
    replyTo: { seq: 3, senderId: bob, body: '', deleted: true },
    reactions: { '👍': 2 },
  }),
  frames.messageUpdated({ conversationId: conversation, seq: 7, body: 'hi!', editedAt: at }),
  frames.messageDeleted({ conversationId: conversation, seq: 7 }),
  frames.reaction({
    conversationId: conversation,
    seq: 7,
    emoji: '👍',
    userId: bob,
    on: true,
    counts: { '👍': 1 },
  }),
  frames.memberEvent('member.added', { conversationId: conversation, userId: bob }),
  frames.memberEvent('member.removed', { conversationId: conversation, userId: bob }),
  frames.conversationUpdated({ conversationId: conversation, name: 'Team', ownerId: bob }),
  frames.read({ conversationId: conversation, userId: alice, seq: 7 }),
  frames.delivered({ conversationId: conversation, userId: bob, seq: 7 }),
  frames.typing({ conversationId: conversation, userId: alice, state: 'start' }),
  frames.presence({ userId: alice, status: 'offline', lastSeenAt: at }),
  frames.notification({
    id: 'a'.repeat(24),
    kind: 'friend.request',
    from: profile,
    createdAt: at,
    readAt: null,
  }),
  frames.friendEvent('friend.request', { from: profile, at }),
  frames.friendEvent('friend.accepted', { from: profile, at }),
  frames.resumed({ cursor: 'abc.def', hasMore: true }),
]

describe('server frames', () => {
  it('are built by the builders in shapes their schemas accept', () => {
    for (const frame of built) {
      expect(serverFrames[frame.type].safeParse(frame).error).toBeUndefined()
      expect(serverFrame.parse(frame)).toEqual(frame)
    }
  })

  it('that change state are those the SDK knows as synced', () => {
    expect([...syncedFrameTypes].sort()).toEqual(
      syncedFrame.options.map((option) => option.shape.type.value).sort(),
    )
  })

  it('have a builder for every type the protocol names', () => {
    expect(new Set(built.map((frame) => frame.type))).toEqual(new Set(Object.keys(serverFrames)))
  })
})

describe('client actions', () => {
  it('have one schema per action route of the WebSocket API, and none for a route that does not exist', () => {
    const actions = webSocket.routes.map((route) => route.routeKey).filter((key) => !key.startsWith('$'))
    expect(Object.keys(clientActions).sort()).toEqual([...actions].sort())
  })

  it('accept the frames a client sends and refuse fields they do not know', () => {
    expect(clientActions.ping.parse({ action: 'ping' })).toEqual({ action: 'ping' })
    expect(
      clientActions.markRead.parse({ action: 'markRead', conversationId: conversation, seq: 3 }),
    ).toEqual({
      action: 'markRead',
      conversationId: conversation,
      seq: 3,
    })
    expect(
      clientActions.typing.safeParse({ action: 'typing', conversationId: conversation, state: 'start', x: 1 })
        .success,
    ).toBe(false)
  })

  it('take a reaction only as an emoji, and an edit only with a body', () => {
    const react = (emoji: string) =>
      clientActions.react.safeParse({
        action: 'react',
        conversationId: conversation,
        seq: 1,
        emoji,
        on: true,
      })
    for (const emoji of ['👍', '👍🏽', '❤️', '👨‍👩‍👧', '🇫🇷', '1️⃣'])
      expect(react(emoji).success, emoji).toBe(true)
    for (const emoji of ['', 'a', '1', 'a.b', '$set', '👍 ']) expect(react(emoji).success, emoji).toBe(false)
    const edit = (body: string) =>
      clientActions.editMessage.safeParse({
        action: 'editMessage',
        conversationId: conversation,
        seq: 1,
        body,
      })
    expect(edit('fixed').success).toBe(true)
    expect(edit('  ').success).toBe(false)
    expect(
      clientActions.deleteMessage.safeParse({ action: 'deleteMessage', conversationId: conversation, seq: 0 })
        .success,
    ).toBe(false)
  })
})

describe('HTTP contract', () => {
  it('describes exactly the routes of the route table', () => {
    const table = httpRoutes.map((route) => `${route.method} ${route.path}`)
    expect(Object.keys(httpContract).sort()).toEqual([...table].sort())
  })

  it("names each route's path parameters as its path schema reads them", () => {
    for (const [key, contract] of Object.entries(httpContract)) {
      const names = [...key.matchAll(/\{(\w+)\+?\}/g)].map((match) => match[1])
      const schema = 'path' in contract ? contract.path : undefined
      expect(schema ? Object.keys(schema.shape).sort() : [], key).toEqual(names.sort())
    }
  })
})

describe('Web Push payload', () => {
  it('is what its schema says, with the preview only when the user turned previews on', () => {
    const job = {
      kind: 'message.new' as const,
      jobId: randomUUID(),
      userId: bob,
      at,
      conversationId: conversation,
      messageId: `${conversation}:7`,
      seq: 7,
      senderId: alice,
      preview: 'hi',
    }
    const plain = messagePushPayload.parse(messagePush(job, false))
    expect(plain).not.toHaveProperty('preview')
    expect(messagePushPayload.parse(messagePush(job, true))).toEqual({ ...plain, preview: 'hi' })
  })
})
