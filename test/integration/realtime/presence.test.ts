// Presence and activity in Redis (through the Upstash REST endpoint): first and last connections, idle tracking.
import { randomBytes, randomUUID } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  activityWriteIntervalMs,
  connectionKeys,
  idleConnections,
  touchActivity,
} from '../../../lib/delivery/activity.ts'
import { markOffline, markOnline, presenceOf } from '../../../lib/presence/tracker.ts'
import { redisClient } from '../../../lib/stores/redis.ts'

// A stage of this file's own: other files' reapers share the Redis and must never see these connections.
process.env.STAGE = `presence-${randomBytes(4).toString('hex')}`

const redis = () => redisClient()
const id = () => `${randomUUID().slice(0, 14)}=`
const scoreOf = async (connectionId: string) => {
  const score = await (await redis()).zscore(connectionKeys().activity, connectionId)
  return score === null ? null : Number(score)
}

beforeAll(async () => {
  await (await redis()).del(connectionKeys().activity, connectionKeys().owner)
})

describe('online and offline', () => {
  it('is online from the first connection to the end of the last, and says so exactly once each way', async () => {
    const user = randomUUID()
    const [phone, laptop] = [id(), id()]
    const t0 = Date.now()
    expect(await markOnline(await redis(), { userId: user, connectionId: phone, now: t0 })).toBe('first')
    expect(await markOnline(await redis(), { userId: user, connectionId: laptop, now: t0 + 1 })).toBe('more')
    expect(await markOffline(await redis(), { userId: user, connectionId: phone, now: t0 + 2 })).toBe(false)
    expect((await presenceOf(await redis(), [user]))[0]?.status).toBe('online')
    expect(await markOffline(await redis(), { userId: user, connectionId: laptop, now: t0 + 3 })).toBe(true)
    // A second cleanup of the same connection (the reaper after $disconnect) announces nothing.
    expect(await markOffline(await redis(), { userId: user, connectionId: laptop, now: t0 + 4 })).toBe(false)
    expect(await presenceOf(await redis(), [user])).toEqual([
      { userId: user, status: 'offline', lastSeenAt: new Date(t0 + 3).toISOString() },
    ])
  })

  it('gives exactly one "first" and one "last" when devices connect and leave at the same moment', async () => {
    const user = randomUUID()
    const ids = Array.from({ length: 8 }, id)
    const now = Date.now()
    const firsts = await Promise.all(
      ids.map(async (connectionId) => markOnline(await redis(), { userId: user, connectionId, now })),
    )
    expect(firsts.filter((answer) => answer === 'first')).toHaveLength(1)
    const lasts = await Promise.all(
      ids.map(async (connectionId) => markOffline(await redis(), { userId: user, connectionId, now })),
    )
    expect(lasts.filter(Boolean)).toHaveLength(1)
  })

  it('answers in the order asked: online now, offline with last seen, never seen', async () => {
    const [online, offline, never] = [randomUUID(), randomUUID(), randomUUID()]
    const now = Date.now()
    await markOnline(await redis(), { userId: online, connectionId: id(), now })
    const gone = id()
    await markOnline(await redis(), { userId: offline, connectionId: gone, now: now - 60_000 })
    await markOffline(await redis(), { userId: offline, connectionId: gone, now: now - 30_000 })
    expect(await presenceOf(await redis(), [never, offline, online], now)).toEqual([
      { userId: never, status: 'offline', lastSeenAt: null },
      { userId: offline, status: 'offline', lastSeenAt: new Date(now - 30_000).toISOString() },
      { userId: online, status: 'online', lastSeenAt: new Date(now).toISOString() },
    ])
  })
})

describe('activity', () => {
  it('writes a connection’s activity at most once per interval, however many frames arrive', async () => {
    const connectionId = id()
    const t0 = Date.now()
    await markOnline(await redis(), { userId: randomUUID(), connectionId, now: t0 })
    for (let i = 1; i <= 50; i++) await touchActivity(await redis(), connectionId, t0 + i * 10, 1000)
    // The first frame writes (its time is newer than the connect), the next 49 within the interval do not.
    expect(await scoreOf(connectionId)).toBe(t0 + 10)
    await touchActivity(await redis(), connectionId, t0 + 1010, 1000)
    expect(await scoreOf(connectionId)).toBe(t0 + 1010)
  })

  it('never brings back a connection that has ended, nor moves a time backwards', async () => {
    const connectionId = id()
    const user = randomUUID()
    const t0 = Date.now()
    await markOnline(await redis(), { userId: user, connectionId, now: t0 })
    await touchActivity(await redis(), connectionId, t0 - 5000, 0)
    expect(await scoreOf(connectionId)).toBe(t0)
    await markOffline(await redis(), { userId: user, connectionId, now: t0 })
    await touchActivity(await redis(), connectionId, t0 + 5000, 0)
    expect(await scoreOf(connectionId)).toBeNull()
  })

  it('lists connections idle since a time, oldest first, with their users', async () => {
    const now = Date.now()
    const [old, older, fresh] = [id(), id(), id()]
    const [u1, u2, u3] = [randomUUID(), randomUUID(), randomUUID()]
    await markOnline(await redis(), { userId: u1, connectionId: old, now: now - 10_000 })
    await markOnline(await redis(), { userId: u2, connectionId: older, now: now - 20_000 })
    await markOnline(await redis(), { userId: u3, connectionId: fresh, now })
    const idle = await idleConnections(await redis(), now - 5_000, 100)
    expect(idle).toEqual([
      { connectionId: older, userId: u2, lastActiveAt: now - 20_000 },
      { connectionId: old, userId: u1, lastActiveAt: now - 10_000 },
    ])
  })

  it('keeps the write interval well under the idle timeout, and at most 10 s', () => {
    expect(activityWriteIntervalMs(5)).toBe(10_000)
    expect(activityWriteIntervalMs(0.05)).toBe(750)
  })
})
