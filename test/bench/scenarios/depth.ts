// Whether sending and reading history slow down as history grows: the ack of a send at depth 100 and 10,000, and a
// page of history at depth 100 and 100,000, through the gateway, with the depth seeded in bulk.
import { type Client, closeAll, connectAll } from '../clients.ts'
import { Ledger } from '../ledger.ts'
import { quiesce } from '../process-tree.ts'
import { atMost, compared, serviceOnly } from '../report.ts'
import { sideBySide } from '../scenario.ts'
import { median } from '../stats.ts'
import type { Person, Target } from '../target.ts'

const pageSize = 50

/** Samples keep coming until `most`, or until `budgetMs` is spent once `least` are in. */
async function sample(least: number, most: number, budgetMs: number, once: () => Promise<number>) {
  const samples: number[] = []
  const started = performance.now()
  while (samples.length < most && (samples.length < least || performance.now() - started < budgetMs))
    samples.push(await once())
  return samples
}

/** Acks of sends one at a time, the two members taking turns: milliseconds from send to ack, median. */
async function ackP50(
  target: Target,
  conversationId: string,
  members: readonly Person[],
  counts = { least: 5, most: 20 },
): Promise<number> {
  const ledger = new Ledger()
  const clients = await connectAll(target, members, ledger)
  try {
    await quiesce(target.pid)
    let turn = 0
    const acks = await sample(counts.least, counts.most, 20_000, async () => {
      const [sender, other] = (turn++ % 2 === 0 ? clients : [...clients].reverse()) as [Client, Client]
      const started = performance.now()
      await ledger.answered(sender.send(conversationId, [other]), 60_000)
      const ackMs = performance.now() - started
      await ledger.allSettled(60_000)
      return ackMs
    })
    const { lost, refused } = ledger.summary()
    if (lost > 0 || Object.keys(refused).length > 0)
      throw new Error(`sends at depth were lost (${lost}) or refused (${JSON.stringify(refused)})`)
    return median(acks)
  } finally {
    await closeAll(clients)
  }
}

interface Pages {
  /** Milliseconds to the answer, whatever it was, median. */
  p50Ms: number
  asked: number
  /** Answers other than a full page: `503` each, or `200 with 12 items`. */
  failed: string[]
}

/** The newest page of history, as a client opening the conversation asks for it. */
async function pages(target: Target, conversationId: string, reader: Person): Promise<Pages> {
  await quiesce(target.pid)
  const url = `${target.httpUrl}/conversations/${conversationId}/messages?limit=${pageSize}`
  const failed: string[] = []
  const times = await sample(3, 20, 20_000, async () => {
    const started = performance.now()
    const response = await fetch(url, { headers: { authorization: `Bearer ${reader.token}` } })
    const page = (await response.json()) as { items?: unknown[] }
    const elapsed = performance.now() - started
    if (response.status !== 200) failed.push(String(response.status))
    else if (page.items?.length !== pageSize) failed.push(`200 with ${page.items?.length} items`)
    return elapsed
  })
  return { p50Ms: median(times), asked: times.length, failed }
}

const answered = (pages: Pages) =>
  pages.failed.length === 0
    ? `${pages.asked} of ${pages.asked}`
    : `${pages.asked - pages.failed.length} of ${pages.asked} (${[...new Set(pages.failed)].join(', ')})`

/** Seeds on an idle server: PGlite mixes up the statements of two connections that overlap. */
async function seeded(target: Target, conversationId: string, sender: Person, depth: number) {
  await quiesce(target.pid)
  const started = performance.now()
  await target.seedHistory(conversationId, sender, depth)
  return (performance.now() - started) / 1000
}

export const depth = sideBySide({
  name: 'depth',
  title: 'sending and history at depth',
  users: 2,
  async measure(target) {
    const [a, b] = (await target.people(2)) as [Person, Person]
    // The shallow conversation is measured first, while the message store holds little besides.
    const shallow = await target.group(a, [b])
    const deep = await target.group(a, [b])
    await ackP50(target, deep, [a, b], { least: 1, most: 1 }) // loads the handlers, outside any measurement
    const seconds = [await seeded(target, shallow, a, 100)]
    const pageAt100 = await pages(target, shallow, a)
    const ackAt100 = await ackP50(target, shallow, [a, b])
    seconds.push(await seeded(target, deep, a, 10_000))
    const ackAt10k = await ackP50(target, deep, [a, b])
    seconds.push(await seeded(target, deep, a, 100_000))
    const pageAt100k = await pages(target, deep, a)
    return { ackAt100, ackAt10k, pageAt100, pageAt100k, seedSeconds: seconds.reduce((x, y) => x + y, 0) }
  },
  rows: (bare, service) => [
    compared('storeMessage (send → ack) at history depth 100, p50', 'ms', bare.ackAt100, service.ackAt100),
    compared('storeMessage (send → ack) at history depth 10,000, p50', 'ms', bare.ackAt10k, service.ackAt10k),
    serviceOnly(
      'storeMessage: depth 10,000 ÷ depth 100',
      '×',
      service.ackAt10k / service.ackAt100,
      atMost(1.5, '×'),
      bare.ackAt10k / bare.ackAt100,
    ),
    compared(
      `history page of ${pageSize} at depth 100, p50`,
      'ms',
      bare.pageAt100.p50Ms,
      service.pageAt100.p50Ms,
    ),
    compared(
      `history page of ${pageSize} at depth 100,000, p50`,
      'ms',
      bare.pageAt100k.p50Ms,
      service.pageAt100k.p50Ms,
    ),
    serviceOnly(
      'history page: depth 100,000 ÷ depth 100',
      '×',
      service.pageAt100k.p50Ms / service.pageAt100.p50Ms,
      {
        target: '≤ 2×, every page in full',
        met: (ratio) =>
          ratio <= 2 && [service.pageAt100, service.pageAt100k].every((p) => p.failed.length === 0),
      },
      bare.pageAt100k.p50Ms / bare.pageAt100.p50Ms,
    ),
    serviceOnly(
      'history pages answered in full, depth 100 / 100,000',
      '',
      `${answered(service.pageAt100)} / ${answered(service.pageAt100k)}`,
      undefined,
      `${answered(bare.pageAt100)} / ${answered(bare.pageAt100k)}`,
    ),
  ],
  notes: (_, service) => [
    `Depth seeded in bulk (messages into the message store, their retry keys and seq into PostgreSQL) in ${Math.round(service.seedSeconds)} s; ` +
      'the shallow conversation is measured before the deep one is seeded.',
  ],
})
