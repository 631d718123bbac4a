// The real route table through the gateway with no store behind it: ping is answered through @connections alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type LocalRuntime, startLocalRuntime } from '../../../infra/local/runtime.ts'
import { openClient } from './clients.ts'
import { storelessEnv } from './routes.ts'

let runtime: LocalRuntime

beforeAll(async () => {
  runtime = await startLocalRuntime({ env: storelessEnv, httpPort: 0, wsPort: 0 })
})
afterAll(() => runtime?.stop())

describe('the real route table', () => {
  it('answers {"action":"ping"} with {"type":"pong"}', async () => {
    const client = await openClient(runtime.wsUrl)
    client.socket.send(JSON.stringify({ action: 'ping' }))
    expect(JSON.parse(await client.nextFrame())).toEqual({ type: 'pong' })
    client.socket.close()
  })

  it('sends an unknown action to $default, which answers an error frame', async () => {
    const client = await openClient(runtime.wsUrl)
    client.socket.send(JSON.stringify({ action: 'dance' }))
    expect(JSON.parse(await client.nextFrame())).toMatchObject({ type: 'error', action: 'dance' })
    client.socket.close()
  })
})
