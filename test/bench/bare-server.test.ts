// The floor of the bench: the bare server acks a send, broadcasts it to the room's members only, and pages history.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBare } from './bare-target.ts'
import { closeAll, connectAll } from './clients.ts'
import { Ledger } from './ledger.ts'
import type { Target } from './target.ts'

let bare: Target
beforeAll(async () => {
  bare = await startBare(0)
})
afterAll(() => bare?.stop())

describe('the bare ws server', () => {
  it('acks the sender and delivers to every other member of the room, and to no one else', async () => {
    const [alice, bob, carol, outsider] = await bare.people(4)
    const conversationId = await bare.group(alice!, [bob!, carol!])
    const ledger = new Ledger()
    const [a, b, c, o] = await connectAll(bare, [alice!, bob!, carol!, outsider!], ledger)
    try {
      const sent = a!.send(conversationId, [b!, c!])
      // The outsider is not due it: a copy there would count as duplicated.
      await ledger.settled(sent, 5_000)
      o!.send(conversationId, [a!])
      await ledger.allSettled(5_000)
      expect(ledger.summary()).toMatchObject({
        sent: 2,
        acked: 1,
        delivered: 2,
        lost: 0,
        duplicated: 0,
        refused: { forbidden: 1 },
      })
    } finally {
      await closeAll([a!, b!, c!, o!])
    }
  })

  it('answers the newest page of a seeded history, oldest first', async () => {
    const [alice, bob] = await bare.people(2)
    const conversationId = await bare.direct(alice!, bob!)
    await bare.seedHistory(conversationId, alice!, 120)
    const response = await fetch(`${bare.httpUrl}/conversations/${conversationId}/messages?limit=50`)
    const page = (await response.json()) as { items: { seq: number }[] }
    expect(page.items.map((message) => message.seq)).toEqual(Array.from({ length: 50 }, (_, i) => 71 + i))
  })
})
