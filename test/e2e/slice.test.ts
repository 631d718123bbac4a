// The thinnest path through the local gateway with the real route table: GET /health and the ping action.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { startLocalRuntime } from '../../infra/local/runtime.ts'
import { person } from '../integration/realtime/people.ts'

type Runtime = Awaited<ReturnType<typeof startLocalRuntime>>

function nextFrame(socket: WebSocket): Promise<unknown> {
  return new Promise((resolve, reject) => {
    socket.once('message', (data) => resolve(JSON.parse(data.toString())))
    socket.once('error', reject)
  })
}

async function openSocket(url: string): Promise<WebSocket> {
  const socket = new WebSocket(url)
  await new Promise((resolve, reject) => {
    socket.once('open', resolve)
    socket.once('error', reject)
  })
  return socket
}

describe('first slice through the local gateway', () => {
  let runtime: Runtime
  let wsUrl: string

  beforeAll(async () => {
    runtime = await startLocalRuntime({
      env: { ...process.env } as Record<string, string>,
      httpPort: 0,
      wsPort: 0,
    })
    // The $connect authorizer wants a live session's access token.
    wsUrl = `${runtime.wsUrl}/?token=${(await person()).token}`
  })
  afterAll(async () => {
    await runtime?.stop()
  })

  it('answers GET /health with 200 and every store up', async () => {
    // The first probe of a store also connects to it, which a busy machine can stretch past the probe's 2 s
    // deadline; a store that is really down answers 503 the second time too.
    let response = await fetch(`${runtime.httpUrl}/health`)
    if (response.status === 503) response = await fetch(`${runtime.httpUrl}/health`)
    expect(response.status).toBe(200)
    const report = (await response.json()) as { status: string; stores: Record<string, { status: string }> }
    expect(report.status).toBe('ok')
    expect(Object.keys(report.stores).sort()).toEqual(['dynamodb', 'mongo', 'postgres', 'redis', 's3', 'sqs'])
    for (const store of Object.values(report.stores)) expect(store.status).toBe('up')
  })

  it('answers a ping frame with a pong frame through @connections', async () => {
    const socket = await openSocket(wsUrl)
    try {
      const reply = nextFrame(socket)
      socket.send(JSON.stringify({ action: 'ping' }))
      expect(await reply).toEqual({ type: 'pong' })
    } finally {
      socket.close()
    }
  })

  it('answers a frame with an unknown action with an error frame and keeps the connection open', async () => {
    const socket = await openSocket(wsUrl)
    try {
      const reply = nextFrame(socket)
      socket.send(JSON.stringify({ action: 'nonsense' }))
      expect(await reply).toMatchObject({ type: 'error', code: 'invalid_request', action: 'nonsense' })
      const pong = nextFrame(socket)
      socket.send(JSON.stringify({ action: 'ping' }))
      expect(await pong).toEqual({ type: 'pong' })
    } finally {
      socket.close()
    }
  })
})
