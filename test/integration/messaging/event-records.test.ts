// Copies of one send record its event at once: the record is written once, and no copy fails for it.
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { conversationEventId, eventsAt, recordEvents } from '../../../lib/events/conversation-log.ts'
import { mongoDb } from '../../../lib/stores/mongo.ts'

describe('an event recorded by several copies of a send at once', () => {
  it('is stored once and every copy succeeds', async () => {
    const db = await mongoDb()
    const conversationId = randomUUID()
    const event = {
      _id: conversationEventId(conversationId, 1),
      conversationId,
      event: 1,
      actorId: randomUUID(),
      at: new Date(),
      type: 'message.new' as const,
      seq: 1,
    }
    const copies = await Promise.allSettled(Array.from({ length: 20 }, () => recordEvents(db, [event])))
    expect(copies.filter((copy) => copy.status === 'rejected')).toEqual([])
    expect(await eventsAt(db, conversationId, [1])).toHaveLength(1)
  })
})
