// MongoDB out of reach during a send: an error frame with the clientMsgId, nothing delivered, the retry succeeds
// under the seq the failed send reserved.
import { createServer } from 'node:net'
import { type Db, MongoClient, MongoNetworkError } from 'mongodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { directConversationId } from '../../../lib/conversations/direct.ts'
import { messagesOf } from '../../../lib/messages/store.ts'
import { mongoDb } from '../../../lib/stores/mongo.ts'
import { postgresClient } from '../../../lib/stores/postgres.ts'
import { type Harness, harness, online } from './harness.ts'

/** A port nothing listens on. */
async function deadPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** The real database, except that inserts into messages fail as a dropped connection would. */
function failingInserts(db: Db): Db {
  return new Proxy(db, {
    get(target, name, receiver) {
      if (name !== 'collection') return Reflect.get(target, name, receiver)
      return (collection: string) =>
        new Proxy(target.collection(collection), {
          get(inner, method, innerReceiver) {
            if (collection === 'messages' && method === 'insertOne')
              return async () => {
                throw new MongoNetworkError('connection reset')
              }
            return Reflect.get(inner, method, innerReceiver)
          },
        })
    },
  })
}

let mode: 'up' | 'down' | 'inserts fail' = 'up'
let dead: MongoClient
let h: Harness

beforeAll(async () => {
  dead = new MongoClient(`mongodb://127.0.0.1:${await deadPort()}/?directConnection=true`, {
    serverSelectionTimeoutMS: 300,
  })
  h = harness({
    mongo: async () =>
      mode === 'down'
        ? dead.db('chat')
        : mode === 'inserts fail'
          ? failingInserts(await mongoDb())
          : mongoDb(),
  })
})
afterAll(() => dead?.close())

const frame = (toUserId: string, clientMsgId: string) => ({
  action: 'sendMessage',
  toUserId,
  clientMsgId,
  body: 'are you there?',
})

const lastSeq = async (conversationId: string) => {
  const [row] = await (await postgresClient())<{ lastSeq: string }[]>`
    select last_seq::text as "lastSeq" from conversations where id = ${conversationId}`
  return Number(row?.lastSeq)
}

describe('a send while MongoDB is unreachable', () => {
  it('answers an error frame with the clientMsgId and tells no one; the same clientMsgId succeeds once it is back, under the seq it reserved', async () => {
    const bob = await online(h)
    const alice = await online(h, [bob])
    const conversationId = directConversationId(alice.id, bob.id)

    mode = 'down'
    await h.frame(alice, alice.connectionId, frame(bob.id, 'outage-1'))
    expect(h.framesOf(alice.connectionId)).toEqual([
      expect.objectContaining({
        type: 'error',
        code: 'unavailable',
        action: 'sendMessage',
        clientMsgId: 'outage-1',
      }),
    ])
    expect(h.framesOf(bob.connectionId)).toEqual([])
    expect(await lastSeq(conversationId)).toBe(1)

    mode = 'up'
    await h.frame(alice, alice.connectionId, frame(bob.id, 'outage-1'))
    expect(h.framesOf(alice.connectionId)[1]).toMatchObject({
      type: 'message.ack',
      clientMsgId: 'outage-1',
      message: { seq: 1 },
    })
    expect(h.framesOf(bob.connectionId)).toEqual([
      expect.objectContaining({ type: 'message.new', message: expect.objectContaining({ seq: 1 }) }),
    ])
    expect(await lastSeq(conversationId)).toBe(1)
  })

  it('when the insert itself fails after the seq was taken: an error frame, no one told, and the retry fills that seq even after later messages', async () => {
    const bob = await online(h)
    const alice = await online(h, [bob])
    const conversationId = directConversationId(alice.id, bob.id)

    mode = 'inserts fail'
    await h.frame(alice, alice.connectionId, frame(bob.id, 'half-1'))
    expect(h.framesOf(alice.connectionId)).toEqual([
      expect.objectContaining({ type: 'error', code: 'unavailable', clientMsgId: 'half-1' }),
    ])
    expect(h.framesOf(bob.connectionId)).toEqual([])

    mode = 'up'
    await h.frame(bob, bob.connectionId, frame(alice.id, 'meanwhile'))
    await h.frame(alice, alice.connectionId, frame(bob.id, 'half-1'))
    expect(h.framesOf(alice.connectionId)[2]).toMatchObject({
      type: 'message.ack',
      clientMsgId: 'half-1',
      message: { seq: 1 },
    })
    const stored = await messagesOf(await mongoDb())
      .find({ conversationId })
      .toArray()
    expect(stored.map((message) => [message.seq, message.clientMsgId]).sort()).toEqual([
      [1, 'half-1'],
      [2, 'meanwhile'],
    ])
    expect(await lastSeq(conversationId)).toBe(2)
    // Told once, when it was finally stored.
    expect(h.framesOf(bob.connectionId).filter((f) => f.type === 'message.new')).toHaveLength(1)
  })
})
