// Round trips through the local gateway over the local stores: GET /health and the WebSocket ping.
import WebSocket from 'ws'
import { withLocalStack } from './local-stack.ts'
import { percentile } from './stats.ts'

export interface LatencyRow {
  what: string
  samples: number
  p50Ms: number
  p99Ms: number
  perSecond: number
}

function row(what: string, samples: number[], elapsedMs: number): LatencyRow {
  const round = (value: number) => Math.round(value * 100) / 100
  return {
    what,
    samples: samples.length,
    p50Ms: round(percentile(samples, 50)),
    p99Ms: round(percentile(samples, 99)),
    perSecond: Math.round((samples.length / elapsedMs) * 1000),
  }
}

async function timeSequential(
  count: number,
  once: () => Promise<void>,
): Promise<{ samples: number[]; elapsed: number }> {
  await once() // the first call loads the handler: a cold start, measured separately
  const samples: number[] = []
  const started = performance.now()
  for (let i = 0; i < count; i++) {
    const t = performance.now()
    await once()
    samples.push(performance.now() - t)
  }
  return { samples, elapsed: performance.now() - started }
}

export function gatewayRoundTrips(count = 300): Promise<LatencyRow[]> {
  return withLocalStack('gateway', async (runtime) => {
    const health = await timeSequential(count, async () => {
      const response = await fetch(`${runtime.httpUrl}/health`)
      if (response.status !== 200) throw new Error(`health answered ${response.status}`)
      await response.arrayBuffer()
    })
    // The $connect authorizer wants a live session: a fresh account's access token.
    const signup = await fetch(`${runtime.httpUrl}/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: `bench.${Date.now()}@example.com`,
        username: `bench_${Date.now().toString(36)}`,
        password: 'a bench passphrase long enough',
      }),
    })
    if (signup.status !== 201) throw new Error(`signup answered ${signup.status}`)
    const { accessToken } = (await signup.json()) as { accessToken: string }
    const wsUrl = `${runtime.wsUrl}/?token=${accessToken}`
    const handshake = await timeSequential(Math.min(count, 100), async () => {
      const opened = new WebSocket(wsUrl)
      await new Promise((done, fail) => opened.once('open', done).once('error', fail))
      const closed = new Promise((done) => opened.once('close', done))
      opened.close()
      await closed
    })
    const socket = new WebSocket(wsUrl)
    await new Promise((done, fail) => socket.once('open', done).once('error', fail))
    const ping = await timeSequential(count, async () => {
      const pong = new Promise((done) => socket.once('message', done))
      socket.send('{"action":"ping"}')
      await pong
    })
    socket.close()
    return [
      row('GET /health (probes all six stores)', health.samples, health.elapsed),
      row('WebSocket ping -> pong via @connections', ping.samples, ping.elapsed),
      row('WebSocket open (authorizer, $connect) and close', handshake.samples, handshake.elapsed),
    ]
  })
}
