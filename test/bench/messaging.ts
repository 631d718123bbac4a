// Message delivery through the local gateway with 100 connected users: latency, throughput, lost and duplicated.
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import WebSocket from 'ws'
import { forEachBounded } from '../../lib/ws/bounded.ts'
import { befriend, type Person, person } from '../integration/realtime/people.ts'
import { withLocalStack } from './local-stack.ts'
import { percentile } from './stats.ts'

export interface DeliveryRow {
  scenario: string
  messages: number
  /** Frames carrying a message that reached a member: message.new, and the sender's own ack. */
  deliveries: number
  lost: number
  duplicated: number
  /** Sends answered with an error frame. */
  refused: number
  ackP50Ms: number
  deliveryP50Ms: number
  deliveryP99Ms: number
  messagesPerSecond: number
}

const users = 100
const resultMarker = 'MESSAGING_BENCH_RESULT '

interface Client {
  user: Person
  socket: WebSocket
  /** Message id -> how many times this client got it (as message.new or as its own ack). */
  seen: Map<string, number>
  acks: Map<string, () => void>
  errors: MessageFrame[]
}

/** When each message was sent, by clientMsgId, and when each delivery arrived. */
interface Timings {
  sentAt: Map<string, number>
  ackMs: number[]
  deliveryMs: number[]
}

interface MessageFrame {
  type: string
  clientMsgId?: string
  /** The message of message.ack and message.new; the text of an error frame. */
  message?: { id: string; clientMsgId: string } | string
}

const carried = (frame: MessageFrame) => (typeof frame.message === 'object' ? frame.message : undefined)

/**
 * One at a time: a connection still inside its $connect answers 410 to a friend's presence frame, and the fan-out
 * then removes its fresh record, so friends connecting at once lose deliveries (a known issue of the fan-out).
 */
async function connectAll(wsUrl: string, people: Person[]): Promise<Client[]> {
  const clients: Client[] = []
  for (const user of people) clients.push(await connectOne(wsUrl, user))
  return clients
}

async function connectOne(wsUrl: string, user: Person): Promise<Client> {
  const socket = new WebSocket(`${wsUrl}/?token=${user.token}`)
  await new Promise((done, fail) => socket.once('open', done).once('error', fail))
  const client: Client = { user, socket, seen: new Map(), acks: new Map(), errors: [] }
  socket.on('message', (data) => {
    const frame = JSON.parse(String(data)) as MessageFrame
    const message = carried(frame)
    if (message) client.seen.set(message.id, (client.seen.get(message.id) ?? 0) + 1)
    // An ack, or an error frame naming the message, answers the send.
    if (frame.clientMsgId) client.acks.get(frame.clientMsgId)?.()
    if (frame.type === 'error') client.errors.push(frame)
  })
  return client
}

/**
 * Every client sends `each` messages to its conversation, with at most `inFlight` sends awaiting their answer at
 * once (1: unloaded latency; one per client: the system saturated); then counts, per recipient, what arrived
 * against what should have.
 */
async function scenario(
  name: string,
  clients: Client[],
  conversationOf: (client: Client) => string,
  membersOf: (client: Client) => Client[],
  each: number,
  inFlight: number,
): Promise<DeliveryRow> {
  const timings: Timings = { sentAt: new Map(), ackMs: [], deliveryMs: [] }
  for (const client of clients) {
    client.seen.clear()
    client.errors.length = 0
  }
  const listeners = clients.map((client) => {
    const listener = (data: WebSocket.RawData) => {
      const frame = JSON.parse(String(data)) as MessageFrame
      const message = carried(frame)
      const sentAt = message ? timings.sentAt.get(message.clientMsgId) : undefined
      if (sentAt === undefined) return
      ;(frame.type === 'message.ack' ? timings.ackMs : timings.deliveryMs).push(performance.now() - sentAt)
    }
    client.socket.on('message', listener)
    return listener
  })
  // Round-robin over the clients, so the sends in flight come from different users.
  const sends = Array.from({ length: each }, (_, n) => clients.map((client, i) => ({ client, i, n }))).flat()
  const sent: string[] = []
  const tag = randomBytes(3).toString('hex')
  const started = performance.now()
  await forEachBounded(sends, inFlight, async ({ client, i, n }) => {
    const clientMsgId = `${tag}-${i}-${n}`
    const answered = new Promise<void>((done) => client.acks.set(clientMsgId, done))
    timings.sentAt.set(clientMsgId, performance.now())
    client.socket.send(
      JSON.stringify({
        action: 'sendMessage',
        conversationId: conversationOf(client),
        clientMsgId,
        body: `${i}/${n}`,
      }),
    )
    await answered
    sent.push(clientMsgId)
  })
  const expected = clients.reduce((sum, client) => sum + each * membersOf(client).length, 0)
  const received = () =>
    clients.reduce((sum, client) => sum + [...client.seen.values()].reduce((a, b) => a + b, 0), 0)
  for (const deadline = performance.now() + 10_000; received() < expected && performance.now() < deadline; )
    await new Promise((done) => setTimeout(done, 20))
  const elapsedMs = performance.now() - started
  for (const [i, client] of clients.entries())
    client.socket.off('message', listeners[i] as (data: WebSocket.RawData) => void)

  const total = received()
  const duplicated = clients.reduce(
    (sum, client) => sum + [...client.seen.values()].reduce((a, count) => a + count - 1, 0),
    0,
  )
  const refused = clients.flatMap((client) => client.errors)
  if (refused[0]) console.error(`${name}: ${refused.length} sends refused, the first with`, refused[0])
  const round = (value: number) => Math.round(value * 10) / 10
  return {
    scenario: name,
    messages: sent.length,
    deliveries: total - duplicated,
    lost: expected - (total - duplicated),
    duplicated,
    refused: refused.length,
    ackP50Ms: round(percentile(timings.ackMs, 50)),
    deliveryP50Ms: round(percentile(timings.deliveryMs, 50)),
    deliveryP99Ms: round(percentile(timings.deliveryMs, 99)),
    messagesPerSecond: Math.round((sent.length / elapsedMs) * 1000),
  }
}

async function createGroup(httpUrl: string, owner: Person, members: Person[]): Promise<string> {
  const response = await fetch(`${httpUrl}/conversations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'group', name: 'Bench', memberIds: members.map((m) => m.id) }),
  })
  if (response.status !== 201) throw new Error(`group creation answered ${response.status}`)
  return ((await response.json()) as { id: string }).id
}

async function openDirect(httpUrl: string, a: Person, b: Person): Promise<string> {
  const response = await fetch(`${httpUrl}/conversations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${a.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'direct', userId: b.id }),
  })
  if (response.status !== 201) throw new Error(`direct conversation answered ${response.status}`)
  return ((await response.json()) as { id: string }).id
}

/** Runs in a process of its own: handlers keep their store clients and configuration for the process's life. */
function measure(): Promise<DeliveryRow[]> {
  return withLocalStack(
    'messaging',
    async (runtime) => {
      const people = await Promise.all(Array.from({ length: users }, () => person()))
      const byUser = new Map<string, string>()
      const members = new Map<string, Person[]>()
      // 50 pairs of friends, each with their direct conversation.
      for (let i = 0; i < users; i += 2) {
        const [a, b] = [people[i] as Person, people[i + 1] as Person]
        await befriend(a, b)
        const id = await openDirect(runtime.httpUrl, a, b)
        for (const user of [a, b]) byUser.set(`direct:${user.id}`, id)
        members.set(id, [a, b])
      }
      // 10 groups of 10, owned by their first member, who is friends with the other nine.
      for (let g = 0; g < users; g += 10) {
        const [owner, ...rest] = people.slice(g, g + 10) as [Person, ...Person[]]
        // The owner and the next user are friends already: they are a pair above.
        for (const other of rest.slice(1)) await befriend(owner, other)
        const id = await createGroup(runtime.httpUrl, owner, rest)
        for (const user of [owner, ...rest]) byUser.set(`group:${user.id}`, id)
        members.set(id, [owner, ...rest])
      }
      const clients = await connectAll(runtime.wsUrl, people)
      const clientOf = new Map(clients.map((client) => [client.user.id, client]))
      const conversation = (kind: string) => (client: Client) =>
        byUser.get(`${kind}:${client.user.id}`) as string
      const membersIn = (kind: string) => (client: Client) =>
        (members.get(conversation(kind)(client)) ?? []).map((m) => clientOf.get(m.id) as Client)
      const direct = [conversation('direct'), membersIn('direct')] as const
      const groups = [conversation('group'), membersIn('group')] as const
      const rows = [
        await scenario('direct, one send at a time', clients, ...direct, 2, 1),
        await scenario('direct, all 100 users sending', clients, ...direct, 10, users),
        await scenario('groups of 10, all 100 users sending', clients, ...groups, 5, users),
      ]
      for (const client of clients) client.socket.close()
      return rows
    },
    { LOG_LEVEL: 'ERROR' },
  )
}

/** The bench in a child process, so its stores and clients never meet those of another bench in this one. */
export async function messagingDelivery(): Promise<DeliveryRow[]> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url)],
    {
      env: { ...process.env, MESSAGING_BENCH_CHILD: '1' },
      maxBuffer: 64 * 1024 * 1024,
    },
  )
  const line = stdout.split('\n').find((text) => text.startsWith(resultMarker))
  if (!line) throw new Error(`the messaging bench printed no result:\n${stdout.slice(-2000)}`)
  return JSON.parse(line.slice(resultMarker.length)) as DeliveryRow[]
}

if (process.env.MESSAGING_BENCH_CHILD === '1' && process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = await measure()
  console.log(`${resultMarker}${JSON.stringify(rows)}`)
  process.exit(0)
}
