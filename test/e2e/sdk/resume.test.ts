// The SDK's sync cursor against the running service: a device that was away is told exactly what it missed, once
// each and in order, and a cursor the service refuses sends the app back to its history.
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { realRoutes } from '../../../infra/local/gateway/table.ts'
import { type LocalRuntime, startLocalRuntime } from '../../../infra/local/runtime.ts'
import type { ServerFrameOf, SyncedFrame } from '../../../lib/protocol/ws.ts'
import { friendsWithConversation, type Instrumented, instrumentedClient, until } from './clients.ts'

let runtime: LocalRuntime
const clients: Instrumented[] = []

beforeAll(async () => {
  runtime = await startLocalRuntime({
    routes: { ...realRoutes, schedules: [] },
    env: { ...process.env, STAGE: `sdk-${randomBytes(4).toString('hex')}` },
    httpPort: 0,
    wsPort: 0,
  })
})
afterAll(async () => {
  for (const { client } of clients) client.socket.disconnect()
  await runtime?.stop()
})

function pair(options: Parameters<typeof instrumentedClient>[2] = {}) {
  const alice = instrumentedClient(runtime.httpUrl, runtime.wsUrl)
  const bob = instrumentedClient(runtime.httpUrl, runtime.wsUrl, options)
  clients.push(alice, bob)
  return { alice, bob }
}

/** A frame as the test compares it: what happened to which message, and the conversation's event number. */
function told(frame: SyncedFrame) {
  if (frame.type === 'message.new')
    return { type: frame.type, seq: frame.message.seq, body: frame.message.body }
  if (frame.type === 'friend.request' || frame.type === 'friend.accepted') return { type: frame.type }
  return { type: frame.type, ...('seq' in frame && { seq: frame.seq }) }
}

const eventsOf = (frames: readonly SyncedFrame[]) =>
  frames.map((frame) => ('event' in frame ? frame.event : undefined))

async function send(from: Instrumented, conversationId: string, body: string) {
  await from.client.http.call('POST /conversations/{id}/messages', {
    path: { id: conversationId },
    body: { body, clientMsgId: randomBytes(8).toString('hex') },
  })
}

/** While the other is away: two messages, then an edit, a delete and a reaction to the three messages before. */
async function changesWhileAway(alice: Instrumented, conversationId: string, firstSeq: number) {
  const path = (seq: number) => ({ id: conversationId, seq })
  await send(alice, conversationId, 'four')
  await send(alice, conversationId, 'five')
  await alice.client.http.call('PATCH /conversations/{id}/messages/{seq}', {
    path: path(firstSeq),
    body: { body: 'one, edited' },
  })
  await alice.client.http.call('DELETE /conversations/{id}/messages/{seq}', { path: path(firstSeq + 1) })
  await alice.client.http.call('POST /conversations/{id}/messages/{seq}/reactions', {
    path: path(firstSeq + 2),
    body: { emoji: '👍', on: true },
  })
}

describe('the SDK resuming from its sync cursor', () => {
  it('gives a device back exactly what it missed, once each and in order, then live frames', async () => {
    const { alice, bob } = pair()
    const { conversationId } = await friendsWithConversation(alice, bob, 'sdkres')
    const resumed: ServerFrameOf<'resumed'>[] = []
    bob.client.socket.on('resumed', (frame) => resumed.push(frame))
    bob.client.socket.connect()
    await until('bob holds the cursor of now', () => bob.client.socket.cursor !== undefined)
    expect(bob.fetched.filter((url) => new URL(url).pathname === '/sync')).toHaveLength(1)
    for (const body of ['one', 'two', 'three']) await send(alice, conversationId, body)
    await until('bob has the first three', () => bob.received.length === 3)
    const cursorBeforeLeaving = bob.client.socket.cursor

    bob.client.socket.disconnect()
    await until('bob disconnected', () => !bob.client.socket.connected)
    const missedFrom = bob.synced.length
    await changesWhileAway(alice, conversationId, 1)

    bob.client.socket.connect()
    await until('bob resumed', () => resumed.some((frame) => !frame.hasMore))
    await send(alice, conversationId, 'six')
    await until('bob has the live message after the catch-up', () => bob.received.length === 6)

    const resumes = bob.sent.filter((frame) => frame.action === 'resume')
    expect(resumes).toEqual([{ action: 'resume', cursor: cursorBeforeLeaving }])
    const missed = bob.synced.slice(missedFrom)
    expect(missed.map(told)).toEqual([
      { type: 'message.new', seq: 4, body: 'four' },
      { type: 'message.new', seq: 5, body: 'five' },
      { type: 'message.updated', seq: 1 },
      { type: 'message.deleted', seq: 2 },
      { type: 'reaction', seq: 3 },
      { type: 'message.new', seq: 6, body: 'six' },
    ])
    const numbers = eventsOf(bob.synced) as number[]
    expect(numbers.every((event, i) => i === 0 || event === (numbers[i - 1] as number) + 1)).toBe(true)
    expect(bob.received.map((message) => message.body)).toEqual([
      'one',
      'two',
      'three',
      'four',
      'five',
      'six',
    ])
    expect(bob.client.socket.cursor).toBe(missed.at(-1)?.cursor)
  })

  it('drops the events a replay repeats that were already delivered live', async () => {
    let firstCursor: string | undefined
    // The service may replay more than asked (live frames and a catch-up overlap): here, from the very first cursor.
    const { alice, bob } = pair({
      rewrite: (frame) =>
        frame.action === 'resume' ? { ...frame, cursor: firstCursor ?? frame.cursor } : frame,
    })
    const { conversationId } = await friendsWithConversation(alice, bob, 'sdkdup')
    bob.client.socket.connect()
    await until('bob holds the cursor of now', () => bob.client.socket.cursor !== undefined)
    firstCursor = bob.client.socket.cursor
    for (const body of ['one', 'two', 'three']) await send(alice, conversationId, body)
    await until('bob has the first three live', () => bob.received.length === 3)

    bob.client.socket.disconnect()
    await until('bob disconnected', () => !bob.client.socket.connected)
    await changesWhileAway(alice, conversationId, 1)
    bob.client.socket.connect()
    await until('bob caught up', () => bob.synced.length >= 8)
    await send(alice, conversationId, 'six')
    await until('bob has the live message after the catch-up', () => bob.received.length === 6)

    expect(bob.sent.filter((frame) => frame.action === 'resume')).toEqual([
      { action: 'resume', cursor: firstCursor },
    ])
    expect(bob.synced.map(told)).toEqual([
      { type: 'message.new', seq: 1, body: 'one' },
      { type: 'message.new', seq: 2, body: 'two' },
      { type: 'message.new', seq: 3, body: 'three' },
      { type: 'message.new', seq: 4, body: 'four' },
      { type: 'message.new', seq: 5, body: 'five' },
      { type: 'message.updated', seq: 1 },
      { type: 'message.deleted', seq: 2 },
      { type: 'reaction', seq: 3 },
      { type: 'message.new', seq: 6, body: 'six' },
    ])
    expect(new Set(eventsOf(bob.synced)).size).toBe(9)
  })

  it('resumes again from each page of a catch-up while more wait', async () => {
    // Pages of two events (the SDK asks for the most a page may hold), so five missed events take three pages.
    const { alice, bob } = pair({
      rewrite: (frame) => (frame.action === 'resume' ? { ...frame, limit: 2 } : frame),
    })
    const { conversationId } = await friendsWithConversation(alice, bob, 'sdkpage')
    const resumed: ServerFrameOf<'resumed'>[] = []
    bob.client.socket.on('resumed', (frame) => resumed.push(frame))
    bob.client.socket.connect()
    await until('bob holds the cursor of now', () => bob.client.socket.cursor !== undefined)
    for (const body of ['one', 'two', 'three']) await send(alice, conversationId, body)
    await until('bob has the first three', () => bob.received.length === 3)

    bob.client.socket.disconnect()
    await until('bob disconnected', () => !bob.client.socket.connected)
    const missedFrom = bob.synced.length
    await changesWhileAway(alice, conversationId, 1)
    bob.client.socket.connect()
    await until('bob resumed to the end', () => resumed.some((frame) => !frame.hasMore))

    expect(resumed.map((frame) => frame.hasMore)).toEqual([true, true, false])
    const resumes = bob.sent.filter((frame) => frame.action === 'resume')
    expect(resumes.map((frame) => frame.cursor)).toEqual([
      bob.synced[missedFrom - 1]?.cursor,
      resumed[0]?.cursor,
      resumed[1]?.cursor,
    ])
    expect(bob.synced.slice(missedFrom).map(told)).toEqual([
      { type: 'message.new', seq: 4, body: 'four' },
      { type: 'message.new', seq: 5, body: 'five' },
      { type: 'message.updated', seq: 1 },
      { type: 'message.deleted', seq: 2 },
      { type: 'reaction', seq: 3 },
    ])
    expect(bob.client.socket.cursor).toBe(resumed[2]?.cursor)
  })

  it('tells the app to resync when its cursor is refused, and goes on from the cursor of now', async () => {
    const forged = `${Buffer.from('{"seen":"1:1:"}').toString('base64url')}.not-signed-here`
    const { alice, bob } = pair({ cursor: forged })
    const { conversationId } = await friendsWithConversation(alice, bob, 'sdkexp')
    const resyncs: ServerFrameOf<'error'>[] = []
    bob.client.socket.on('resync', (error) => resyncs.push(error))
    expect(bob.client.socket.cursor).toBe(forged)

    bob.client.socket.connect()
    await until('bob was told to resync', () => resyncs.length === 1)
    expect(resyncs[0]).toMatchObject({ type: 'error', code: 'cursor_expired', action: 'resume' })
    await until('bob holds a cursor of now', () => ![undefined, forged].includes(bob.client.socket.cursor))
    expect(
      bob.fetched.filter((url) => new URL(url).pathname === '/sync').map((url) => new URL(url).search),
    ).toEqual([''])

    await send(alice, conversationId, 'after the resync')
    await until('bob has the live message', () => bob.received.length === 1)
    expect(bob.synced.map(told)).toEqual([{ type: 'message.new', seq: 1, body: 'after the resync' }])

    // Reconnecting resumes from the new cursor, which the service takes.
    bob.client.socket.disconnect()
    await until('bob disconnected', () => !bob.client.socket.connected)
    bob.client.socket.connect()
    await until('bob resumed again', () => bob.sent.filter((frame) => frame.action === 'resume').length === 2)
    await send(alice, conversationId, 'and live again')
    await until('bob has the next live message', () => bob.received.length === 2)
    expect(resyncs).toHaveLength(1)
  })
})
