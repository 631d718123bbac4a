// The real route table through the gateway with only Redis behind it: the handshake wants a token, and the ping and
// $default functions answer through @connections, once Redis has admitted the frame.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { realRoutes } from '../../../infra/local/gateway/table.ts'
import { type LocalRuntime, startLocalRuntime } from '../../../infra/local/runtime.ts'
import { openClient, refusal } from './clients.ts'
import { redisOnlyEnv } from './routes.ts'

let runtime: LocalRuntime
let framesOnly: LocalRuntime

beforeAll(async () => {
  runtime = await startLocalRuntime({ env: redisOnlyEnv(), httpPort: 0, wsPort: 0 })
  // The same frame routes without the authorizer and the connection lifecycle, which need the stores.
  framesOnly = await startLocalRuntime({
    routes: {
      ...realRoutes,
      webSocket: {
        routeSelectionExpression: realRoutes.webSocket.routeSelectionExpression,
        routes: realRoutes.webSocket.routes.filter((route) => !route.routeKey.endsWith('connect')),
      },
      schedules: [],
    },
    env: redisOnlyEnv(),
    httpPort: 0,
    wsPort: 0,
  })
})
afterAll(async () => {
  await runtime?.stop()
  await framesOnly?.stop()
})

describe('the real route table', () => {
  it('refuses a handshake without a token with 401, before any store is asked', async () => {
    expect(await refusal(runtime.wsUrl)).toBe(401)
    expect(await refusal(`${runtime.wsUrl}/?token=`)).toBe(401)
  })

  it('answers {"action":"ping"} with {"type":"pong"}', async () => {
    const client = await openClient(framesOnly.wsUrl)
    client.socket.send(JSON.stringify({ action: 'ping' }))
    expect(JSON.parse(await client.nextFrame())).toEqual({ type: 'pong' })
    client.socket.close()
  })

  it('sends an unknown action to $default, which answers an error frame', async () => {
    const client = await openClient(framesOnly.wsUrl)
    client.socket.send(JSON.stringify({ action: 'dance' }))
    expect(JSON.parse(await client.nextFrame())).toMatchObject({ type: 'error', action: 'dance' })
    client.socket.close()
  })
})
