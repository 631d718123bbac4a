// When each connection last sent a frame, in a Redis sorted set the idle reaper reads; written at most every few seconds.
import type { Redis } from '@upstash/redis'
import { config } from '../config.ts'

/**
 * The sorted set `activity` (member connection id, score the last client frame's time in ms) and the hash `owner`
 * (connection id -> user id, so the reaper knows whose connection it closes). Keys carry the stage, so stages or
 * test runs sharing one Redis never reap each other's connections.
 */
export function connectionKeys(stage = config().STAGE) {
  return { activity: `${stage}:ws:activity`, owner: `${stage}:ws:owner` }
}

/** Writes are coarse; a write lags a frame by at most this long, so it must stay well under the idle timeout. */
export function activityWriteIntervalMs(idleTimeoutMinutes = config().IDLE_TIMEOUT_MINUTES): number {
  return Math.min(10_000, (idleTimeoutMinutes * 60_000) / 4)
}

const lastWritten = new Map<string, number>()
const forgetAfterEntries = 10_000

function prune(now: number, intervalMs: number) {
  if (lastWritten.size < forgetAfterEntries) return
  for (const [connectionId, at] of lastWritten) if (now - at >= intervalMs) lastWritten.delete(connectionId)
}

/**
 * Counts a client frame as activity. Frequent frames cost no Redis write: this process writes a connection's
 * time again only once the last write is `intervalMs` old. `XX` never re-adds a connection that has ended and
 * `GT` never moves its time back when two Lambda instances write out of order.
 */
export async function touchActivity(
  redis: Redis,
  connectionId: string,
  now = Date.now(),
  intervalMs = activityWriteIntervalMs(),
): Promise<void> {
  const last = lastWritten.get(connectionId)
  if (last !== undefined && now - last < intervalMs) return
  lastWritten.set(connectionId, now)
  prune(now, intervalMs)
  try {
    await redis.zadd(connectionKeys().activity, { xx: true, gt: true }, { score: now, member: connectionId })
  } catch (error) {
    // The next frame tries again rather than waiting out the interval.
    if (lastWritten.get(connectionId) === now) lastWritten.delete(connectionId)
    throw error
  }
}

/** Forgets this process's throttle state for a connection that ended. */
export function forgetActivity(connectionId: string): void {
  lastWritten.delete(connectionId)
}

/**
 * HMGET's values in field order. The shared client keeps replies raw (automaticDeserialization off), so they come
 * as Redis sends them, an array; a client that deserialises gives an object by field, also accepted here.
 */
export function hashValues(reply: unknown, fields: readonly string[]): (string | null)[] {
  if (Array.isArray(reply)) return fields.map((_, i) => (reply[i] == null ? null : String(reply[i])))
  const byField = typeof reply === 'object' && reply !== null ? (reply as Record<string, unknown>) : {}
  return fields.map((field) => (byField[field] == null ? null : String(byField[field])))
}

export interface IdleConnection {
  connectionId: string
  /** Undefined when the owner entry is missing (written by an older version, or half-cleaned). */
  userId: string | undefined
  lastActiveAt: number
}

/** Connections whose last recorded frame is older than `before` (ms), oldest first, at most `limit`. */
export async function idleConnections(
  redis: Redis,
  before: number,
  limit: number,
): Promise<IdleConnection[]> {
  const keys = connectionKeys()
  const flat = await redis.zrange<string[]>(keys.activity, 0, before, {
    byScore: true,
    withScores: true,
    offset: 0,
    count: limit,
  })
  const found: { connectionId: string; lastActiveAt: number }[] = []
  for (let i = 0; i + 1 < flat.length; i += 2)
    found.push({ connectionId: String(flat[i]), lastActiveAt: Number(flat[i + 1]) })
  if (found.length === 0) return []
  const ids = found.map((entry) => entry.connectionId)
  const owners = hashValues(await redis.hmget(keys.owner, ...ids), ids)
  return found.map((entry, i) => ({ ...entry, userId: owners[i] ?? undefined }))
}
