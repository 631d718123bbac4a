// WebSocket API limits, shortened: idle timeout, connection duration, binary frames, and no $default route.
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { WsEvent } from '../../../infra/local/gateway/events.ts'
import { type LocalRuntime, startLocalRuntime } from '../../../infra/local/runtime.ts'
import { openClient } from './clients.ts'
import { nextRecord } from './fixtures/probe.ts'
import { fixtureEnv, fixtureRoutes } from './routes.ts'

// Frames go every third of the idle timeout: a client (or a gateway timer in this same process) held up by a busy
// machine for less than two thirds of it, 800 ms here, still keeps its connection. The maximum duration is far
// beyond the idle test's four slow round trips, so only the idle timeout can end that one.
const idleTimeoutMs = 1_200
const maxDurationMs = 8_000
let runtime: LocalRuntime
let tags = 0

async function connected() {
  tags += 1
  const client = await openClient(`${runtime.wsUrl}/?tag=${tags}`)
  const connect = await nextRecord<WsEvent>('connect', (e) => e.queryStringParameters?.tag === String(tags))
  return { client, connectionId: connect.requestContext.connectionId, connectedAt: Date.now() }
}

const disconnectOf = (connectionId: string) =>
  nextRecord<WsEvent>('disconnect', (event) => event.requestContext.connectionId === connectionId)

beforeAll(async () => {
  runtime = await startLocalRuntime({
    routes: {
      ...fixtureRoutes,
      webSocket: {
        routeSelectionExpression: '$request.body.action',
        routes: fixtureRoutes.webSocket.routes.filter((route) => route.routeKey !== '$default'),
      },
    },
    env: fixtureEnv,
    httpPort: 0,
    wsPort: 0,
    limits: { idleTimeoutMs, maxDurationMs },
  })
})
afterAll(() => runtime?.stop())

describe('WebSocket limits', () => {
  it('answers an unmatched frame with a Forbidden frame when there is no $default route', async () => {
    const { client, connectionId } = await connected()
    client.socket.send(JSON.stringify({ action: 'unknown' }))
    const frame = JSON.parse(await client.nextFrame())
    expect(frame).toMatchObject({ message: 'Forbidden', connectionId })
    expect(frame.requestId).toMatch(/=$/)
    client.socket.send(JSON.stringify({ action: 'echo' }))
    expect(JSON.parse(await client.nextFrame())).toMatchObject({ routeKey: 'echo' })
    client.socket.close()
  })

  it('closes a connection with no client frame for the idle timeout, frames keeping it open until then', async () => {
    const { client, connectionId } = await connected()
    let lastFrameAt = Date.now()
    // Activity over longer than the idle timeout; time has to pass here, so this test sleeps.
    for (let i = 0; i < 4; i++) {
      await sleep(idleTimeoutMs / 3)
      client.socket.send(JSON.stringify({ action: 'echo' }))
      lastFrameAt = Date.now()
      await client.nextFrame()
    }
    const closed = await client.closed
    expect(closed.code).toBe(1001)
    expect(Date.now() - lastFrameAt).toBeGreaterThanOrEqual(idleTimeoutMs - 20)
    expect((await disconnectOf(connectionId)).requestContext).toMatchObject({
      disconnectStatusCode: 1001,
      disconnectReason: 'Going away',
    })
  })

  it('closes a busy connection at the maximum duration', async () => {
    const { client, connectionId, connectedAt } = await connected()
    const busy = setInterval(() => client.socket.send(JSON.stringify({ action: 'echo' })), idleTimeoutMs / 3)
    const closed = await client.closed
    clearInterval(busy)
    expect(closed.code).toBe(1001)
    expect(Date.now() - connectedAt).toBeGreaterThanOrEqual(maxDurationMs - 50)
    expect((await disconnectOf(connectionId)).requestContext.disconnectStatusCode).toBe(1001)
  })

  it('closes the connection with 1003 on a binary frame, as API Gateway does', async () => {
    const { client, connectionId } = await connected()
    client.socket.send(Buffer.from([1, 2, 3]))
    expect((await client.closed).code).toBe(1003)
    expect((await disconnectOf(connectionId)).requestContext.disconnectStatusCode).toBe(1003)
  })
})
