// Who is online and when each user was last seen, in Redis: a set of live connection ids per user and a last-seen hash.
import type { Redis } from '@upstash/redis'
import { config } from '../config.ts'
import { sessionEndedKey } from '../connections/ended-sessions.ts'
import { connectionTtlSeconds } from '../connections/table.ts'
import { connectionKeys, hashValues } from '../delivery/activity.ts'

const connectionsKey = (userId: string) => `${config().STAGE}:presence:conns:${userId}`
/** Hash: user id -> ms of the user's last connect or disconnect. */
const lastSeenKey = () => `${config().STAGE}:presence:last-seen`

// Each script changes every key of one connection in one step, so two devices connecting (or leaving) at once
// cannot both miss, or both claim, the first (or last) connection.
const openScript = `
if KEYS[5] and redis.call('EXISTS', KEYS[5]) == 1 then return -1 end
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
redis.call('HSET', KEYS[4], ARGV[1], ARGV[2])
return redis.call('SCARD', KEYS[1])`

const closeScript = `
local removed = redis.call('SREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
if removed == 1 then redis.call('HSET', KEYS[2], ARGV[2], ARGV[3]) end
return {removed, redis.call('SCARD', KEYS[1])}`

export interface ConnectionChange {
  userId: string
  connectionId: string
  now: number
  /** The connection's session: a connection of a session already ended is not marked online. */
  sessionId?: string
}

function keysFor(userId: string) {
  const { activity, owner } = connectionKeys()
  return [connectionsKey(userId), lastSeenKey(), activity, owner]
}

/**
 * Marks a connection live and starts its activity clock: 'first' when it is the user's first live connection,
 * 'ended' (and nothing marked) when its session has been ended meanwhile.
 */
export async function markOnline(
  redis: Redis,
  change: ConnectionChange,
): Promise<'first' | 'more' | 'ended'> {
  const keys = keysFor(change.userId)
  if (change.sessionId !== undefined) keys.push(sessionEndedKey(change.sessionId))
  const count = Number(
    await redis.eval<string[], number>(openScript, keys, [
      change.connectionId,
      change.userId,
      String(change.now),
      String(connectionTtlSeconds),
    ]),
  )
  return count < 0 ? 'ended' : count === 1 ? 'first' : 'more'
}

/** Forgets a connection; true only for the call that removed the user's last live connection. */
export async function markOffline(redis: Redis, change: ConnectionChange): Promise<boolean> {
  const reply = await redis.eval<string[], [number, number]>(closeScript, keysFor(change.userId), [
    change.connectionId,
    change.userId,
    String(change.now),
  ])
  return Number(reply[0]) === 1 && Number(reply[1]) === 0
}

export interface Presence {
  userId: string
  status: 'online' | 'offline'
  /** ISO time: now for an online user, else when their last connection ended; null if never seen. */
  lastSeenAt: string | null
}

/** Presence of each given user, in the order given; one pipelined round trip. */
export async function presenceOf(
  redis: Redis,
  userIds: readonly string[],
  now = Date.now(),
): Promise<Presence[]> {
  if (userIds.length === 0) return []
  const pipeline = redis.pipeline()
  for (const userId of userIds) pipeline.scard(connectionsKey(userId))
  pipeline.hmget(lastSeenKey(), ...userIds)
  const replies = await pipeline.exec<unknown[]>()
  const lastSeen = hashValues(replies[userIds.length], userIds)
  return userIds.map((userId, i) => {
    const online = Number(replies[i]) > 0
    const seen = lastSeen[i]
    return {
      userId,
      status: online ? 'online' : 'offline',
      lastSeenAt: online ? new Date(now).toISOString() : seen ? new Date(Number(seen)).toISOString() : null,
    }
  })
}
