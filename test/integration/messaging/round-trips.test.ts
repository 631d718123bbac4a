// sendMessage reaches its ack in two store round trips one after another, counted on instrumented clients.
import { randomUUID } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import type { MongoClient } from 'mongodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { config } from '../../../lib/config.ts'
import { postgresClient } from '../../../lib/stores/postgres.ts'
import { redisClient } from '../../../lib/stores/redis.ts'
import { type Harness, harness, messageIn, online } from './harness.ts'
import { countedMongo, countedRedis, countedSql, RoundTripLog } from './round-trips.ts'

const log = new RoundTripLog()
let mongo: MongoClient
let h: Harness
let ackAt = Number.POSITIVE_INFINITY

beforeAll(async () => {
  mongo = await countedMongo(config().MONGO_URL as string, log)
  const [sql, redis] = [countedSql(await postgresClient(), log), countedRedis(await redisClient(), log)]
  h = harness({
    sql: async () => sql,
    mongo: async () => mongo.db(config().MONGO_DB),
    redis: async () => redis,
  })
  const post = h.management.client.post
  h.management.client.post = (connectionId, data) => {
    const frame = JSON.parse(Buffer.from(data).toString('utf8'))
    if (frame.type === 'message.ack') ackAt = Math.min(ackAt, performance.now())
    return post(connectionId, data)
  }
})
afterAll(() => mongo?.close())

/** The chain of round trips before the ack of one frame. */
async function measure(send: () => Promise<void>) {
  log.clear()
  ackAt = Number.POSITIVE_INFINITY
  await send()
  expect(ackAt).toBeLessThan(Number.POSITIVE_INFINITY)
  return log.sequential(ackAt).map(label)
}
const label = (trip: { store: string; what: string }) => `${trip.store} ${trip.what}`

const frame = (to: Record<string, string>, clientMsgId: string = randomUUID()) => ({
  action: 'sendMessage',
  ...to,
  clientMsgId,
  body: 'counted',
})

const reserve = 'postgres select verdict, conversation_type'

describe('round trips of sendMessage before the ack', () => {
  it('are 2 in sequence: the reservation beside the rate limit, then the insert', async () => {
    const bob = await online(h)
    const alice = await online(h, [bob])
    // The first send opens the conversation and loads the rate limiter's script into Redis.
    const opening = await measure(() => h.frame(alice, alice.connectionId, frame({ toUserId: bob.id })))
    const conversationId = messageIn(h.framesOf(bob.connectionId)[0]).conversationId

    const steady = await measure(() => h.frame(alice, alice.connectionId, frame({ conversationId })))

    expect(steady).toEqual([
      expect.stringMatching(/^(postgres select verdict|redis evalsha)/),
      'mongo insert',
    ])
    // Everything before the insert ran side by side: the one statement and the rate limit. The message's event
    // has no MongoDB record to write: the statement logged its number with the seq.
    const beforeAck = log.trips.filter((trip) => trip.start < ackAt).map(label)
    expect(beforeAck.sort()).toEqual([reserve, 'mongo insert', 'redis evalsha'].sort())
    expect(opening.length, opening.join(' -> ')).toBeLessThanOrEqual(3)
    console.info(`sendMessage round trips before the ack: ${steady.join(' -> ')}`)
  })

  it('are 2 when the first message opens a direct conversation by toUserId', async () => {
    const [bob, carol] = [await online(h), await online(h)]
    const alice = await online(h, [bob, carol])
    await h.frame(alice, alice.connectionId, frame({ toUserId: bob.id }))
    const opening = await measure(() => h.frame(alice, alice.connectionId, frame({ toUserId: carol.id })))
    expect(opening, opening.join(' -> ')).toHaveLength(2)
    expect(opening.at(-1)).toBe('mongo insert')
  })

  it('are 2 for a reply: the replied-to message is read beside the reservation', async () => {
    const bob = await online(h)
    const alice = await online(h, [bob])
    await h.frame(alice, alice.connectionId, frame({ toUserId: bob.id }))
    const reply = await measure(() =>
      h.frame(alice, alice.connectionId, { ...frame({ toUserId: bob.id }), replyTo: 1 }),
    )
    expect(reply, reply.join(' -> ')).toHaveLength(2)
    expect(reply.at(-1)).toBe('mongo insert')
    expect(log.trips.filter((trip) => trip.start < ackAt).map(label)).toContain('mongo find')
  })

  it('are 2 for a retry, which takes no seq, stores nothing and reads the first message by _id', async () => {
    const bob = await online(h)
    const alice = await online(h, [bob])
    await h.frame(alice, alice.connectionId, frame({ toUserId: bob.id }, 'retried'))
    const retry = await measure(() =>
      h.frame(alice, alice.connectionId, frame({ toUserId: bob.id }, 'retried')),
    )
    expect(retry).toEqual([
      expect.stringMatching(/^(postgres select verdict|redis evalsha)/),
      expect.stringMatching(/^mongo (find|update)$/),
    ])
    expect(log.trips.map((trip) => trip.what)).not.toContain('insert')
  })
})
