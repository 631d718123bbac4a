// Frames through the local gateway with real sockets: a flood is cut off, a `$` action is refused, a block is kept.
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { realRoutes } from '../../../infra/local/gateway/table.ts'
import { type LocalRuntime, startLocalRuntime } from '../../../infra/local/runtime.ts'
import { frameRule } from '../../../lib/ws/admission.ts'
import { befriend, person } from '../../integration/realtime/people.ts'
import { connect, type Device, type Frame, presenceOf } from './sockets.ts'

let runtime: LocalRuntime
const open: Device[] = []

beforeAll(async () => {
  runtime = await startLocalRuntime({
    routes: { ...realRoutes, queueConsumers: [], schedules: [] },
    env: { ...process.env, STAGE: `socket-rules-${randomBytes(4).toString('hex')}` },
    httpPort: 0,
    wsPort: 0,
  })
})
afterAll(async () => {
  await Promise.all(open.map((device) => device.close()))
  await runtime?.stop()
})

async function device(token: string) {
  const opened = await connect(runtime.wsUrl, token)
  open.push(opened)
  return opened
}

const ofType = (type: string) => (frame: Frame) => frame.type === type

describe('a flooding socket', () => {
  it('is answered with rate_limited and retryAfterMs, then closed; other sockets are untouched', async () => {
    const [flooder, bystander] = [await person(), await person()]
    const [socket, calm] = [await device(flooder.token), await device(bystander.token)]
    const started = Date.now()
    for (let i = 0; i < 300 && socket.socket.readyState === socket.socket.OPEN; i++) {
      socket.socket.send(i % 2 ? '{"action":"ping"}' : '{"junk":true}')
    }
    const closed = await socket.closed
    const windows = Math.ceil((Date.now() - started) / frameRule.warnEveryMs)
    expect(closed.code).toBe(1000)
    const frames = socket.pending()
    const refusals = frames.filter((frame) => frame.type === 'error' && frame.code === 'rate_limited')
    expect(refusals.length).toBeGreaterThanOrEqual(1)
    // One warning a window at most, and one notice of the close: never an answer per refused frame.
    expect(refusals.length).toBeLessThanOrEqual(2 * windows)
    for (const refusal of refusals) expect(refusal.retryAfterMs).toBeGreaterThan(0)
    // Answers still in flight when the connection closed are lost with it, so only the bound is certain.
    const served = frames.filter((frame) => frame.type === 'pong' || frame.code === 'invalid_request').length
    expect(served).toBeGreaterThan(0)
    expect(served).toBeLessThanOrEqual(frameRule.burst + frameRule.perSecond * 10)

    calm.socket.send('{"action":"ping"}')
    expect(await calm.next(ofType('pong'))).toEqual({ type: 'pong' })
  })
})

describe('a frame naming a $ route', () => {
  it('is answered with an error frame, and the socket still receives', async () => {
    const [alice, bob] = [await person(), await person()]
    await befriend(alice, bob)
    const [alices, bobs] = [await device(alice.token), await device(bob.token)]
    for (const action of ['$disconnect', '$connect', '$default']) {
      alices.socket.send(JSON.stringify({ action }))
      expect(await alices.next(ofType('error'))).toMatchObject({ code: 'invalid_request', action })
    }
    bobs.socket.send(
      JSON.stringify({ action: 'sendMessage', toUserId: alice.id, clientMsgId: 'c1', body: 'hi' }),
    )
    expect(await alices.next(ofType('message.new'))).toMatchObject({ message: { body: 'hi' } })
  })
})

describe('a block in a shared group', () => {
  it('hides typing, read markers and presence both ways, and the others still hear them', async () => {
    const [owner, blocker, blocked] = [await person(), await person(), await person()]
    for (const [a, b] of [
      [owner, blocker],
      [owner, blocked],
      [blocker, blocked],
    ] as const)
      await befriend(a, b)
    const created = await fetch(`${runtime.httpUrl}/conversations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'group', name: 'g', memberIds: [blocker.id, blocked.id] }),
    })
    expect(created.status).toBe(201)
    const { id: conversationId } = (await created.json()) as { id: string }

    const owners = await device(owner.token)
    const blockers = await device(blocker.token)
    await owners.next(presenceOf(blocker.id, 'online'))
    const blockedResponse = await fetch(`${runtime.httpUrl}/friends/${blocked.id}/block`, {
      method: 'POST',
      headers: { authorization: `Bearer ${blocker.token}` },
    })
    expect(blockedResponse.status).toBe(204)
    const blockeds = await device(blocked.token)
    await owners.next(presenceOf(blocked.id, 'online'))

    owners.socket.send(
      JSON.stringify({ action: 'sendMessage', conversationId, clientMsgId: 'm1', body: 'hello' }),
    )
    for (const socket of [blockers, blockeds]) await socket.next(ofType('message.new'))

    blockeds.socket.send(JSON.stringify({ action: 'typing', conversationId, state: 'start' }))
    blockeds.socket.send(JSON.stringify({ action: 'markRead', conversationId, seq: 1 }))
    blockers.socket.send(JSON.stringify({ action: 'typing', conversationId, state: 'start' }))
    blockers.socket.send(JSON.stringify({ action: 'markRead', conversationId, seq: 1 }))

    for (const userId of [blocked.id, blocker.id]) {
      await owners.next((frame) => frame.type === 'typing' && frame.userId === userId)
      await owners.next((frame) => frame.type === 'read' && frame.userId === userId)
    }
    // Each side's frames were relayed to the owner by now, so any to the other side would have gone out too.
    await blockeds.close()
    await owners.next(presenceOf(blocked.id, 'offline'))
    const leak = (from: string) => (frame: Frame) => frame.userId === from
    expect(blockers.pending().filter(leak(blocked.id))).toEqual([])
    expect(blockeds.pending().filter(leak(blocker.id))).toEqual([])
  })
})
