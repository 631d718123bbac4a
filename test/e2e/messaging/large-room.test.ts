// A room above the inline limit: its message.new crosses the delivery queue to the delivery worker, which reaches
// every member online and queues inbox jobs for those who are not; a small room is still delivered inline.
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { type LocalRuntime, startLocalRuntime } from '../../../infra/local/runtime.ts'
import { inlineDeliveryLimit, recipientsPerJob } from '../../../lib/delivery/jobs.ts'
import { befriend, type Person, person } from '../../integration/realtime/people.ts'
import { connect, type Device } from '../realtime/sockets.ts'

let runtime: LocalRuntime
const devices: Device[] = []
const logged: string[] = []

beforeAll(async () => {
  runtime = await startLocalRuntime({
    env: { ...process.env, STAGE: `large-room-${randomBytes(4).toString('hex')}` },
    httpPort: 0,
    wsPort: 0,
    log: (line) => logged.push(line),
  })
})
afterAll(async () => {
  await Promise.all(devices.map((device) => device.close()))
  await runtime?.stop()
})

async function group(owner: Person, others: readonly Person[]): Promise<string> {
  for (const other of others) await befriend(owner, other)
  const created = await fetch(`${runtime.httpUrl}/conversations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'group', name: 'Everyone', memberIds: others.map((other) => other.id) }),
  })
  expect(created.status).toBe(201)
  return ((await created.json()) as { id: string }).id
}

/** Polls the inbox until it holds a message.new, or the bound runs out: the job crosses two queues. */
async function messageNotification(user: Person, timeoutMs = 60_000): Promise<unknown[]> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const response = await fetch(`${runtime.httpUrl}/notifications`, {
      headers: { authorization: `Bearer ${user.token}` },
    })
    const { items } = (await response.json()) as { items: { kind: string }[] }
    const found = items.filter((item) => item.kind === 'message.new')
    if (found.length > 0 || Date.now() > deadline) return found
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

const deliveryJobsDone = () =>
  logged
    .map((line) => /queue delivery: (\d+) done/.exec(line)?.[1])
    .reduce((sum, done) => sum + Number(done ?? 0), 0)

/** The error with what the runtime's queues did meanwhile, to tell a slow run from a lost or failed job. */
const withQueueTrail = (error: Error) =>
  new Error(`${error.message}\n${logged.filter((line) => /queue|deliver/.test(line)).join('\n')}`)

describe('a room larger than the inline limit', () => {
  it('reaches every online member once through delivery jobs, and the offline ones through their inbox', async () => {
    const size = inlineDeliveryLimit + 10
    const members = await Promise.all(Array.from({ length: size }, () => person()))
    const [owner, ...others] = members as [Person, ...Person[]]
    const conversationId = await group(owner, others)
    const offline = others.slice(-2)
    const online = [owner, ...others.slice(0, -2)]
    const phones = await Promise.all(online.map((member) => connect(runtime.wsUrl, member.token)))
    devices.push(...phones)
    // The owner's second device gets the message too; the sending one gets the ack alone.
    const ownerTablet = await connect(runtime.wsUrl, owner.token)
    devices.push(ownerTablet)
    const [sender, ...receivers] = phones as [Device, ...Device[]]

    sender.socket.send(
      JSON.stringify({ action: 'sendMessage', conversationId, clientMsgId: 'all-hands', body: 'hello, all' }),
    )
    // Bounds only to fail rather than hang: sixty sockets through two queues on a busy machine take their time.
    const ack = await sender.next((frame) => frame.type === 'message.ack', 30_000)
    const { message } = ack as unknown as { message: { id: string; seq: number } }
    const received = await Promise.all(
      [...receivers, ownerTablet].map((device) =>
        device.next((frame) => frame.type === 'message.new', 60_000),
      ),
    ).catch((error: Error) => {
      throw withQueueTrail(error)
    })
    for (const frame of received)
      expect(frame).toMatchObject({ message: { id: message.id, seq: message.seq } })
    for (const inbox of await Promise.all(offline.map((member) => messageNotification(member))))
      expect(inbox).toHaveLength(1)

    // Every member was in a delivery job of at most recipientsPerJob, for the group's making and for the message:
    // the worker ran them all (the making's, queued first, with no one connected yet to tell).
    await vi
      .waitFor(() => expect(deliveryJobsDone()).toBe(2 * Math.ceil(size / recipientsPerJob)), {
        timeout: 30_000,
      })
      .catch((error: Error) => {
        throw withQueueTrail(error)
      })
    // No second copy reached anyone, and the sending connection got none at all.
    await new Promise((resolve) => setTimeout(resolve, 500))
    for (const device of [...phones, ownerTablet])
      expect(device.pending().filter((frame) => frame.type === 'message.new')).toEqual([])
  }, 240_000)

  it('a small room is still delivered inline, with no delivery job', async () => {
    const [owner, ...others] = (await Promise.all(Array.from({ length: 3 }, () => person()))) as [
      Person,
      ...Person[],
    ]
    const conversationId = await group(owner, others)
    const [sender, ...receivers] = await Promise.all(
      [owner, ...others].map((member) => connect(runtime.wsUrl, member.token)),
    )
    devices.push(sender as Device, ...receivers)
    const before = deliveryJobsDone()
    sender?.socket.send(
      JSON.stringify({ action: 'sendMessage', conversationId, clientMsgId: 'few', body: 'hi' }),
    )
    await Promise.all(receivers.map((device) => device.next((frame) => frame.type === 'message.new')))
    expect(deliveryJobsDone()).toBe(before)
  })
})
