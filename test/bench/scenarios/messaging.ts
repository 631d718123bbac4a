// Messages through the WebSocket API: rooms of 10, 50 and 256, 50 direct pairs at full tilt, and the server CPU,
// store round trips and integrity (lost, duplicated, refused) of each.

import { setTimeout as sleep } from 'node:timers/promises'
import { type Client, closeAll, connectAll, othersIn } from '../clients.ts'
import { Ledger } from '../ledger.ts'
import type { ProbeReport } from '../probe.ts'
import { quiesce } from '../process-tree.ts'
import { atLeast, atMost, compared, type Goal, serviceOnly, under, within } from '../report.ts'
import {
  type CpuUse,
  integrity,
  type Outcome,
  outcomeOf,
  refusals,
  type Scenario,
  sideBySide,
  withCpu,
} from '../scenario.ts'
import { median, percentile } from '../stats.ts'
import type { Person, Target } from '../target.ts'

/** Pings at 14 a second: under the service's per-connection frame limit (20 a second), whose refusals are not the
 * round trip measured here. */
const pingCount = 150
const pingEveryMs = 70

/** How long one message may take to be answered and delivered before the bench counts what is missing as lost. */
const settleTimeoutMs = 20_000
const pairsSendingMs = 10_000

interface Room {
  clients: Client[]
  conversationId: string
  ledger: Ledger
}

/** A group of the first `size` users, all connected; the first owns it. Closed after `work`. */
async function inGroup<T>(target: Target, size: number, work: (room: Room) => Promise<T>): Promise<T> {
  const [owner, ...members] = await target.people(size)
  if (!owner) throw new Error('a group needs an owner')
  const conversationId = await target.group(owner, members)
  const ledger = new Ledger()
  const clients = await connectAll(target, [owner, ...members], ledger)
  try {
    await quiesce(target.pid)
    return await work({ clients, conversationId, ledger })
  } finally {
    await closeAll(clients)
  }
}

/**
 * `count` messages from the members in turn, one in flight at a time: the next leaves once the last is answered
 * and has reached every member. `around` wraps each send (the round-trip probe).
 */
async function oneAtATime(
  room: Room,
  count: number,
  around: (send: () => Promise<void>) => Promise<void> = (send) => send(),
): Promise<void> {
  for (let i = 0; i < count; i++) {
    const sender = room.clients[i % room.clients.length] as Client
    await around(async () => {
      const clientMsgId = sender.send(room.conversationId, othersIn(room.clients, sender))
      await room.ledger.settled(clientMsgId, settleTimeoutMs)
    })
  }
}

/** Sends one at a time, charging the server's CPU to them. */
async function timedInTurn(target: Target, room: Room, count: number): Promise<Outcome & { cpu: CpuUse }> {
  const { cpu } = await withCpu(
    target,
    () => room.ledger.summary().sent,
    () => oneAtATime(room, count),
  )
  return { ...outcomeOf(room.ledger.summary()), cpu }
}

/** Each probe report's store calls, averaged per message. */
function storeCallsPerMessage(reports: readonly ProbeReport[]): string {
  const totals: Record<string, number> = {}
  for (const report of reports)
    for (const [store, count] of Object.entries(report.byStore)) totals[store] = (totals[store] ?? 0) + count
  const parts = Object.entries(totals)
    .sort(([, a], [, b]) => b - a)
    .map(([store, count]) => `${store} ${Math.round((count / Math.max(1, reports.length)) * 10) / 10}`)
  return parts.length > 0 ? parts.join(', ') : '0'
}

/** Runs `send` between a mark and a take of the service's round-trip probe; the bare server has none. */
function probed(target: Target, reports: ProbeReport[]) {
  return async (send: () => Promise<void>) => {
    if (!target.probe) return send()
    await target.probe.mark()
    await send()
    reports.push(await target.probe.take())
  }
}

/** CPU per message of the whole server; with `byProcess`, of each process of the service's tree too. */
function cpuRows(
  label: string,
  bare: CpuUse,
  service: CpuUse,
  options: { goal?: Goal; byProcess?: boolean } = {},
) {
  const all = compared(
    `${label}: server CPU per message, all processes`,
    'ms',
    bare.perMessageMs,
    service.perMessageMs,
    {
      ...(options.goal && { goal: options.goal }),
    },
  )
  const each = service.perMessageByProcess
    .filter((entry) => entry.ms >= 0.01)
    .map((entry) => serviceOnly(`… ${entry.name}`, 'ms', entry.ms))
  return [all, ...(options.byProcess ? each : [])]
}

const integrityRow = (label: string, bare: Outcome, service: Outcome) =>
  serviceOnly(`${label}: lost / duplicated / refused`, '', integrity(service), undefined, integrity(bare))

function inTurnScenario(name: string, size: number, sends: number, ackGoal: boolean): Scenario {
  const label = `group of ${size}, ${sends} sends one at a time`
  return sideBySide({
    name,
    title: label,
    users: size,
    measure: (target) => inGroup(target, size, (room) => timedInTurn(target, room, sends)),
    rows: (bare, service) => [
      compared(`${label}: delivery p99`, 'ms', bare.deliveryP99Ms, service.deliveryP99Ms, {
        goal: within(8),
      }),
      compared(`${label}: delivery p50`, 'ms', bare.deliveryP50Ms, service.deliveryP50Ms),
      compared(`${label}: ack p50`, 'ms', bare.ackP50Ms, service.ackP50Ms, {
        ...(ackGoal && { goal: under(20, 'ms') }),
      }),
      integrityRow(label, bare, service),
      ...cpuRows(`group of ${size}`, bare.cpu, service.cpu, {
        byProcess: true,
        ...(ackGoal && { goal: under(15, 'ms') }),
      }),
    ],
  })
}

export const groupOf10 = inTurnScenario('group10', 10, 200, true)
export const groupOf50 = inTurnScenario('group50', 50, 100, false)

/** 100 users in 50 direct pairs, each sending to its peer as fast as its answers come, for 10 s. */
export const directPairs = sideBySide({
  name: 'pairs',
  title: '100 users in 50 direct pairs, all sending for 10 s',
  users: 100,
  async measure(target) {
    const users = await target.people(100)
    const conversations: string[] = []
    for (let i = 0; i < users.length; i += 2)
      conversations.push(await target.direct(users[i] as Person, users[i + 1] as Person))
    const ledger = new Ledger()
    const clients = await connectAll(target, users, ledger)
    try {
      const { cpu } = await withCpu(
        target,
        () => ledger.summary().sent,
        async () => {
          const end = performance.now() + pairsSendingMs
          await Promise.all(
            clients.map(async (client, i) => {
              const peer = clients[i ^ 1] as Client
              const conversationId = conversations[i >> 1] as string
              while (performance.now() < end)
                await ledger.answered(client.send(conversationId, [peer]), settleTimeoutMs)
            }),
          )
          await ledger.allSettled(settleTimeoutMs)
        },
      )
      const outcome = outcomeOf(ledger.summary())
      return { ...outcome, perSecond: outcome.delivered / (outcome.elapsedMs / 1000), cpu }
    } finally {
      await closeAll(clients)
    }
  },
  rows(bare, service) {
    const label = '50 direct pairs, 10 s'
    return [
      compared(`${label}: messages/s delivered`, 'msg/s', bare.perSecond, service.perSecond, {
        higherIsBetter: true,
        goal: atLeast(150, 'msg/s'),
      }),
      compared(`${label}: delivery p50`, 'ms', bare.deliveryP50Ms, service.deliveryP50Ms),
      compared(`${label}: delivery p99`, 'ms', bare.deliveryP99Ms, service.deliveryP99Ms, {
        goal: under(1000, 'ms'),
      }),
      serviceOnly(`${label}: messages sent`, '', service.sent, undefined, bare.sent),
      serviceOnly(`${label}: refused`, '', service.refused, atMost(0), bare.refused),
      serviceOnly(`${label}: lost`, '', service.lost, atMost(0), bare.lost),
      serviceOnly(`${label}: duplicated`, '', service.duplicated, atMost(0), bare.duplicated),
      ...cpuRows('pairs', bare.cpu, service.cpu),
    ]
  },
  notes: (bare, service) =>
    [bare, service].flatMap((outcome, i) =>
      outcome.refused > 0
        ? [`Refused sends (${i === 0 ? 'bare ws' : 'Chat-Service'}), by code: ${refusals(outcome)}.`]
        : [],
    ),
})

/** Where the acked seqs of a conversation that started empty fall short of 1..N: `none`, or what is wrong. */
export function seqFaults(seqs: readonly number[]): string {
  const distinct = new Set(seqs)
  const faults: string[] = []
  if (distinct.size < seqs.length) faults.push(`${seqs.length - distinct.size} seq given twice`)
  const highest = Math.max(0, ...distinct)
  const missing = Array.from({ length: highest }, (_, k) => k + 1).filter((seq) => !distinct.has(seq))
  if (missing.length > 0) faults.push(`${missing.length} gaps below ${highest}`)
  return faults.length > 0 ? faults.join(', ') : 'none'
}

const busyClients = 20
const busyMessagesEach = 50

/**
 * 20 members all sending into one group at once, each its next message as soon as its last is answered: every
 * member must get every message once, and the seqs must run 1..N with no gap or repeat.
 */
export const busyGroup = sideBySide({
  name: 'busygroup',
  title: `group of ${busyClients}, all sending at once`,
  users: busyClients,
  measure: (target) =>
    inGroup(target, busyClients, async (room) => {
      const { cpu } = await withCpu(
        target,
        () => room.ledger.summary().sent,
        async () => {
          await Promise.all(
            room.clients.map(async (sender) => {
              for (let n = 0; n < busyMessagesEach; n++)
                await room.ledger.answered(
                  sender.send(room.conversationId, othersIn(room.clients, sender)),
                  settleTimeoutMs,
                )
            }),
          )
          await room.ledger.allSettled(settleTimeoutMs)
        },
      )
      const summary = room.ledger.summary()
      const outcome = outcomeOf(summary)
      return {
        ...outcome,
        perSecond: outcome.delivered / (outcome.elapsedMs / 1000),
        seqFaults: seqFaults(summary.ackedSeqs),
        cpu,
      }
    }),
  rows(bare, service) {
    const label = `group of ${busyClients}, ${busyClients} x ${busyMessagesEach} sends at once`
    return [
      compared(`${label}: messages/s delivered`, 'msg/s', bare.perSecond, service.perSecond, {
        higherIsBetter: true,
      }),
      compared(`${label}: delivery p99`, 'ms', bare.deliveryP99Ms, service.deliveryP99Ms),
      integrityRow(label, bare, service),
      serviceOnly(`${label}: seq faults`, '', service.seqFaults, undefined, bare.seqFaults),
      ...cpuRows(`busy group of ${busyClients}`, bare.cpu, service.cpu),
    ]
  },
})

export const groupOf256 = sideBySide({
  name: 'group256',
  title: 'one message at a time to a group of 256',
  users: 256,
  measure: (target) =>
    inGroup(target, 256, async (room) => {
      const reports: ProbeReport[] = []
      const { cpu } = await withCpu(
        target,
        () => room.ledger.summary().sent,
        () => oneAtATime(room, 10, probed(target, reports)),
      )
      return { ...outcomeOf(room.ledger.summary()), cpu, storeCalls: storeCallsPerMessage(reports) }
    }),
  rows(bare, service) {
    const label = 'group of 256, 10 messages one at a time'
    return [
      compared(`${label}: last member reached p50`, 'ms', bare.lastMemberP50Ms, service.lastMemberP50Ms, {
        goal: under(250, 'ms'),
      }),
      compared(`${label}: last member reached, slowest`, 'ms', bare.lastMemberMaxMs, service.lastMemberMaxMs),
      compared(`${label}: delivery p50`, 'ms', bare.deliveryP50Ms, service.deliveryP50Ms),
      integrityRow(label, bare, service),
      serviceOnly(`${label}: store calls per message, ack and fan-out`, '', service.storeCalls),
      ...cpuRows('group of 256', bare.cpu, service.cpu),
    ]
  },
})

/** The service's store round trips one after another before the ack, on the send path of a group of 10. */
export const roundTrips = sideBySide({
  name: 'roundtrips',
  title: 'store round trips of sendMessage',
  users: 10,
  measure: (target) =>
    inGroup(target, 10, async (room) => {
      const reports: ProbeReport[] = []
      await oneAtATime(room, 20, probed(target, reports))
      const chains = reports.map((report) => report.beforeFirstFrame)
      const lengths = chains.map((chain) => chain.length)
      const common = mostCommon(chains.map((steps) => steps.map((step) => step.join(' ∥ ')).join(' → ')))
      return {
        ...(target.probe && {
          beforeAckMedian: median(lengths),
          beforeAckMax: Math.max(...lengths),
          chain: common,
          storeCalls: storeCallsPerMessage(reports),
        }),
      }
    }),
  rows: (bare, service) => [
    serviceOnly(
      'store round trips in sequence before the ack (median)',
      '',
      service.beforeAckMedian,
      atMost(2),
      0,
    ),
    serviceOnly(
      'store round trips in sequence before the ack (most)',
      '',
      service.beforeAckMax,
      undefined,
      0,
    ),
    serviceOnly(
      'store calls per message to a group of 10, ack and fan-out',
      '',
      service.storeCalls,
      undefined,
      bare.storeCalls,
    ),
  ],
  notes: (_, service) =>
    service.chain ? [`Store round trips before the ack, usually (∥: side by side): ${service.chain}.`] : [],
})

function mostCommon(values: readonly string[]): string | undefined {
  const counts = new Map<string, number>()
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1)
  return [...counts].sort(([, a], [, b]) => b - a)[0]?.[0]
}

/** Milliseconds to open a connection as `user` (handshake, authorizer, $connect), median of `count`. */
async function openP50(target: Target, user: Person, count: number): Promise<number> {
  const opens: number[] = []
  for (let i = 0; i < count; i++) {
    const [client] = (await connectAll(target, [user], new Ledger())) as [Client]
    opens.push(client.openMs)
    await client.close()
    await quiesce(target.pid)
  }
  return median(opens)
}

/**
 * The WebSocket handshake, as a user with one friend and as the first user, friends with everyone else (whose
 * $connect tells every friend online); then pings, paced, answered through the route table.
 */
export const ping = sideBySide({
  name: 'ping',
  title: 'WebSocket open and ping',
  users: 256,
  async measure(target) {
    const [hub, user] = (await target.people(256)) as [Person, Person]
    const openOneFriendMs = await openP50(target, user, 15)
    const openHubMs = await openP50(target, hub, 3)
    const [client] = (await connectAll(target, [user], new Ledger())) as [Client]
    try {
      await quiesce(target.pid)
      const pings: number[] = []
      let unanswered = 0
      for (let i = 0; i < pingCount; i++) {
        const started = performance.now()
        if (await client.ping(settleTimeoutMs)) pings.push(performance.now() - started)
        else unanswered++
        await sleep(Math.max(0, started + pingEveryMs - performance.now()))
      }
      return {
        openOneFriendMs,
        openHubMs,
        pingP50Ms: median(pings),
        pingP99Ms: percentile(pings, 99),
        unanswered,
      }
    } finally {
      await client.close()
    }
  },
  rows: (bare, service) => [
    compared(
      'WebSocket open (handshake, authorizer, $connect), user with 1 friend, p50',
      'ms',
      bare.openOneFriendMs,
      service.openOneFriendMs,
    ),
    compared(
      'WebSocket open, user with 255 friends (none online), p50',
      'ms',
      bare.openHubMs,
      service.openHubMs,
    ),
    compared('WebSocket ping → pong p50', 'ms', bare.pingP50Ms, service.pingP50Ms),
    compared('WebSocket ping → pong p99', 'ms', bare.pingP99Ms, service.pingP99Ms),
    serviceOnly(
      `WebSocket pings unanswered, of ${pingCount}`,
      '',
      service.unanswered,
      atMost(0),
      bare.unanswered,
    ),
  ],
})
