// 20 clients send 50 messages each into one group through the gateway: each gets all 1000 once, seq 1..1000.
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type LocalRuntime, startLocalRuntime } from '../../../infra/local/runtime.ts'
import { befriend, type Person, person } from '../../integration/realtime/people.ts'
import { connect, type Device } from '../realtime/sockets.ts'

const clients = 20
const messagesEach = 50

let runtime: LocalRuntime
const devices: Device[] = []

beforeAll(async () => {
  runtime = await startLocalRuntime({
    env: { ...process.env, STAGE: `group-load-${randomBytes(4).toString('hex')}` },
    httpPort: 0,
    wsPort: 0,
  })
})
afterAll(async () => {
  await Promise.all(devices.map((device) => device.close()))
  await runtime?.stop()
})

interface Received {
  id: string
  seq: number
  senderId: string
}

describe('a busy group', () => {
  it(`${clients} clients x ${messagesEach} messages: every member gets every message exactly once, seq 1..N`, async () => {
    const members: Person[] = await Promise.all(Array.from({ length: clients }, () => person()))
    const [owner, ...others] = members as [Person, ...Person[]]
    for (const other of others) await befriend(owner, other)
    const created = await fetch(`${runtime.httpUrl}/conversations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'group', name: 'Load', memberIds: others.map((o) => o.id) }),
    })
    expect(created.status).toBe(201)
    const { id: conversationId } = (await created.json()) as { id: string }

    const received = members.map(() => [] as Received[])
    const errors: unknown[] = []
    const total = clients * messagesEach
    let allIn: () => void = () => {}
    const done = new Promise<void>((resolve) => {
      allIn = resolve
    })
    let count = 0
    const acked = new Map<string, () => void>()
    for (const [i, member] of members.entries()) {
      const device = await connect(runtime.wsUrl, member.token)
      devices.push(device)
      device.socket.on('message', (data) => {
        const frame = JSON.parse(String(data)) as { type: string; clientMsgId?: string; message?: Received }
        if (frame.type === 'error') errors.push(frame)
        if ((frame.type === 'message.new' || frame.type === 'message.ack') && frame.message) {
          received[i]?.push(frame.message)
          if (++count === total * clients) allIn()
        }
        if (frame.clientMsgId) acked.get(frame.clientMsgId)?.()
      })
    }

    // Each client sends its next message once its previous one is acked (or refused), all clients at once.
    const started = performance.now()
    await Promise.all(
      devices.map(async (device, i) => {
        for (let n = 0; n < messagesEach; n++) {
          const clientMsgId = `${i}-${n}`
          const answered = new Promise<void>((resolve) => acked.set(clientMsgId, resolve))
          device.socket.send(
            JSON.stringify({ action: 'sendMessage', conversationId, clientMsgId, body: `${i}:${n}` }),
          )
          await answered
        }
      }),
    )
    await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 20_000))])
    const elapsed = performance.now() - started

    expect(errors).toEqual([])
    for (const got of received) {
      expect(got).toHaveLength(total)
      expect(new Set(got.map((m) => m.id)).size).toBe(total)
    }
    const seqs = [...new Set(received[0]?.map((m) => m.seq))].sort((a, b) => a - b)
    expect(seqs).toEqual(Array.from({ length: total }, (_, k) => k + 1))
    console.info(
      `${total} messages to ${clients} members (${total * clients} frames) in ${Math.round(elapsed)} ms`,
    )
  }, 60_000)
})
