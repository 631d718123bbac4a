// Idle disconnect through the local gateway: the reaper, run every second, closes a client idle for 3 s.
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type LocalRuntime, startLocalRuntime } from '../../../infra/local/runtime.ts'
import { config } from '../../../lib/config.ts'
import { configuredConnectionsTable, connectionsOf } from '../../../lib/connections/lists.ts'
import { dynamoJson } from '../../../lib/stores/dynamodb-json.ts'
import { befriend, person } from '../../integration/realtime/people.ts'
import { connect, type Device, presenceOf } from './sockets.ts'

const idleTimeoutMs = 0.05 * 60_000
let runtime: LocalRuntime
const open: Device[] = []

/** Pings every 500 ms until closed: a client that is busy, though it says little. */
function keepBusy(device: Device) {
  const timer = setInterval(() => device.socket.send('{"action":"ping"}'), 500)
  device.closed.finally(() => clearInterval(timer))
  return { stop: () => clearInterval(timer) }
}

beforeAll(async () => {
  runtime = await startLocalRuntime({
    // Read by the handlers when they first load, which is after this point.
    env: {
      ...process.env,
      IDLE_TIMEOUT_MINUTES: '0.05',
      STAGE: `idle-${randomBytes(4).toString('hex')}`,
    },
    httpPort: 0,
    wsPort: 0,
    scheduleIntervalSeconds: { reapIdle: 1 },
  })
})
afterAll(async () => {
  await Promise.all(open.map((device) => device.close()))
  await runtime?.stop()
})

describe('idle disconnect', () => {
  it('closes an idle client within seconds and tells its friends, while an active one stays', async () => {
    expect(config().IDLE_TIMEOUT_MINUTES).toBe(0.05)
    const [idler, friend, busy] = [await person(), await person(), await person()]
    await befriend(idler, friend)
    const friendPhone = await connect(runtime.wsUrl, friend.token)
    const busyPhone = await connect(runtime.wsUrl, busy.token)
    open.push(friendPhone, busyPhone)
    const pinging = [keepBusy(friendPhone), keepBusy(busyPhone)]

    const started = Date.now()
    const idlePhone = await connect(runtime.wsUrl, idler.token)
    open.push(idlePhone)
    await friendPhone.next(presenceOf(idler.id, 'online'))

    // Closed by the reaper, and not before the idle timeout; how soon after it is a latency, which a busy machine
    // stretches, so no upper bound here: a client never closed fails the test at its timeout.
    const closed = await idlePhone.closed
    const idleFor = Date.now() - started
    expect(closed.code).toBe(1000)
    expect(idleFor).toBeGreaterThanOrEqual(idleTimeoutMs)
    expect(await friendPhone.next(presenceOf(idler.id, 'offline'))).toMatchObject({
      lastSeenAt: expect.any(String),
    })
    const stored = await connectionsOf(dynamoJson(), configuredConnectionsTable(), [idler.id])
    expect(stored.get(idler.id)).toEqual([])

    // The busy client has now outlived the idle timeout twice over, through several reaper runs.
    const deadline = started + 2 * idleTimeoutMs
    while (Date.now() < deadline) await busyPhone.next((frame) => frame.type === 'pong')
    expect(busyPhone.socket.readyState).toBe(busyPhone.socket.OPEN)
    expect(friendPhone.socket.readyState).toBe(friendPhone.socket.OPEN)
    for (const timer of pinging) timer.stop()
  }, 60_000)
})
