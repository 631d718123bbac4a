// Friend requests and acceptances made over HTTP reach the other user's live connections as frames.
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type LocalRuntime, startLocalRuntime } from '../../../infra/local/runtime.ts'
import { person } from '../../integration/realtime/people.ts'
import { connect, type Device } from './sockets.ts'

let runtime: LocalRuntime
const open: Device[] = []

beforeAll(async () => {
  runtime = await startLocalRuntime({
    env: { ...process.env, STAGE: `friend-events-${randomBytes(4).toString('hex')}` },
    httpPort: 0,
    wsPort: 0,
  })
})
afterAll(async () => {
  await Promise.all(open.map((device) => device.close()))
  await runtime?.stop()
})

const post = (path: string, token: string) =>
  fetch(`${runtime.httpUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })

describe('friend events through the local gateway', () => {
  it('a request reaches the recipient live, and the acceptance reaches the requester live', async () => {
    const [alice, bob] = [await person(), await person()]
    const bobPhone = await connect(runtime.wsUrl, bob.token)
    const alicePhone = await connect(runtime.wsUrl, alice.token)
    open.push(bobPhone, alicePhone)

    expect((await post(`/friends/${bob.id}`, alice.token)).status).toBe(201)
    const request = await bobPhone.next((frame) => frame.type === 'friend.request')
    expect(request).toMatchObject({ type: 'friend.request', from: { id: alice.id } })
    expect(JSON.stringify(request)).not.toContain('@')

    expect((await post(`/friends/${alice.id}/accept`, bob.token)).status).toBe(200)
    const accepted = await alicePhone.next((frame) => frame.type === 'friend.accepted')
    expect(accepted).toMatchObject({ type: 'friend.accepted', from: { id: bob.id } })
  })
})
