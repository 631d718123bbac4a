// Read markers move forward only and are announced; typing reaches the other members, is never stored, is thinned.
import { randomUUID } from 'node:crypto'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { messagesOf } from '../../../lib/messages/store.ts'
import { mongoDb } from '../../../lib/stores/mongo.ts'
import { type Harness, harness, online } from './harness.ts'

let h: Harness
beforeAll(() => {
  h = harness()
})

/** A group of three, each with one connection, and `count` messages from the first. */
async function group(count: number) {
  const [bob, carol] = [await online(h), await online(h)]
  const alice = await online(h, [bob, carol])
  const created = await h.call<{ id: string }>({
    method: 'POST',
    path: '/conversations',
    token: alice.token,
    body: { type: 'group', name: 'Readers', memberIds: [bob.id, carol.id] },
  })
  const conversationId = created.body.id
  for (let i = 0; i < count; i++)
    await h.frame(alice, alice.connectionId, {
      action: 'sendMessage',
      conversationId,
      clientMsgId: randomUUID(),
      body: `m${i + 1}`,
    })
  h.management.posted.clear()
  return { alice, bob, carol, conversationId }
}

const unread = async (user: { token: string }, conversationId: string) => {
  const list = await h.call<{ items: { id: string; unreadCount: number; lastReadSeq: number }[] }>({
    method: 'GET',
    path: '/conversations',
    token: user.token,
  })
  return list.body.items.find((item) => item.id === conversationId)
}

describe('markRead', () => {
  it('moves the marker forward, tells the other members and the reader’s other devices, and unread counts follow', async () => {
    const { alice, bob, carol, conversationId } = await group(3)
    const bobLaptop = await h.device(bob)
    expect(await unread(bob, conversationId)).toMatchObject({ unreadCount: 3, lastReadSeq: 0 })
    expect(await unread(alice, conversationId)).toMatchObject({ unreadCount: 0, lastReadSeq: 3 })

    await h.frame(bob, bob.connectionId, { action: 'markRead', conversationId, seq: 2 })

    const read = { type: 'read', conversationId, userId: bob.id, seq: 2 }
    for (const connection of [alice.connectionId, carol.connectionId, bobLaptop])
      expect(h.framesOf(connection)).toEqual([read])
    expect(h.framesOf(bob.connectionId)).toEqual([])
    expect(await unread(bob, conversationId)).toMatchObject({ unreadCount: 1, lastReadSeq: 2 })
  })

  it('never moves back, and never past the last message; a marker that does not move is not announced', async () => {
    const { alice, bob, conversationId } = await group(3)
    await h.frame(bob, bob.connectionId, { action: 'markRead', conversationId, seq: 3 })
    await h.frame(bob, bob.connectionId, { action: 'markRead', conversationId, seq: 1 })
    await h.frame(bob, bob.connectionId, { action: 'markRead', conversationId, seq: 99 })
    expect(h.framesOf(alice.connectionId)).toEqual([{ type: 'read', conversationId, userId: bob.id, seq: 3 }])
    expect(await unread(bob, conversationId)).toMatchObject({ unreadCount: 0, lastReadSeq: 3 })

    const http = await h.call({
      method: 'POST',
      path: `/conversations/${conversationId}/read`,
      token: bob.token,
      body: { seq: 2 },
    })
    expect(http).toMatchObject({ status: 200, body: { conversationId, lastReadSeq: 3 } })
  })

  it('over HTTP, answers the marker and tells every connection of the other members', async () => {
    const { alice, carol, conversationId } = await group(2)
    const response = await h.call({
      method: 'POST',
      path: `/conversations/${conversationId}/read`,
      token: carol.token,
      body: { seq: 1 },
    })
    expect(response).toMatchObject({ status: 200, body: { lastReadSeq: 1 } })
    expect(h.framesOf(alice.connectionId)).toEqual([
      { type: 'read', conversationId, userId: carol.id, seq: 1 },
    ])
  })

  it('answers someone outside with not_found, and a bad seq with invalid_request', async () => {
    const { conversationId } = await group(1)
    const outsider = await online(h)
    await h.frame(outsider, outsider.connectionId, { action: 'markRead', conversationId, seq: 1 })
    await h.frame(outsider, outsider.connectionId, { action: 'markRead', conversationId, seq: -1 })
    await h.frame(outsider, outsider.connectionId, { action: 'markRead', conversationId, seq: '1' })
    expect(h.framesOf(outsider.connectionId).map((f) => f.code)).toEqual([
      'not_found',
      'invalid_request',
      'invalid_request',
    ])
  })
})

describe('typing', () => {
  it('reaches the other members’ connections, not the typist’s, and stores nothing', async () => {
    const { alice, bob, carol, conversationId } = await group(0)
    const aliceTablet = await h.device(alice)
    await h.frame(alice, alice.connectionId, { action: 'typing', conversationId, state: 'start' })
    const typing = { type: 'typing', conversationId, userId: alice.id, state: 'start' }
    expect(h.framesOf(bob.connectionId)).toEqual([typing])
    expect(h.framesOf(carol.connectionId)).toEqual([typing])
    expect(h.framesOf(alice.connectionId)).toEqual([])
    expect(h.framesOf(aliceTablet)).toEqual([])
    expect(await messagesOf(await mongoDb()).countDocuments({ conversationId })).toBe(0)
  })

  it('lets a few start/stop frames through and refuses a flood with rate_limited and retryAfterMs', async () => {
    const { alice, bob, conversationId } = await group(0)
    // The limit is 5 in a sliding 5 s window: with the clock held still, a slow machine taking longer than 5 s for
    // the 30 frames cannot let a sixth through, and the test pins the rule rather than the machine's speed.
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      for (let i = 0; i < 30; i++)
        await h.frame(alice, alice.connectionId, {
          action: 'typing',
          conversationId,
          state: i % 2 ? 'stop' : 'start',
        })
    } finally {
      vi.useRealTimers()
    }
    const relayed = h.framesOf(bob.connectionId)
    expect(relayed.length).toBe(5)
    expect(relayed.map((f) => f.state)).toEqual(['start', 'stop', 'start', 'stop', 'start'])
    const refusals = h.framesOf(alice.connectionId)
    expect(refusals).toHaveLength(25)
    for (const refusal of refusals)
      expect(refusal).toMatchObject({ type: 'error', code: 'rate_limited', action: 'typing' })
    expect(refusals.every((refusal) => Number(refusal.retryAfterMs) > 0)).toBe(true)
  })

  it('answers someone outside with not_found and an unknown state with invalid_request', async () => {
    const { conversationId } = await group(0)
    const outsider = await online(h)
    await h.frame(outsider, outsider.connectionId, { action: 'typing', conversationId, state: 'start' })
    await h.frame(outsider, outsider.connectionId, { action: 'typing', conversationId, state: 'shouting' })
    expect(h.framesOf(outsider.connectionId).map((f) => f.code)).toEqual(['not_found', 'invalid_request'])
  })
})
