// A connection's life: recorded and announced at $connect, forgotten and announced at $disconnect or when found gone.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { Redis } from '@upstash/redis'
import { forgetActivity } from '../delivery/activity.ts'
import { deliverToUsers, type FanoutDeps, fanoutDeps } from '../delivery/fanout.ts'
import { UnauthorizedError } from '../errors.ts'
import { friendIdsOf } from '../friends/relations.ts'
import { logger } from '../log.ts'
import { markOffline, markOnline } from '../presence/tracker.ts'
import { frames } from '../protocol/ws.ts'
import { dynamoClient } from '../stores/dynamodb.ts'
import { postgresClient, type Sql } from '../stores/postgres.ts'
import { redisClient } from '../stores/redis.ts'
import { connectionRecord, recordConnection, removeConnection } from './store.ts'

export interface ConnectionDeps {
  fanout: FanoutDeps
  /** The connections table's records, written and removed through the SDK. */
  dynamo: DynamoDBDocumentClient
  redis: Redis
  sql: Sql
}

export async function connectionDeps(): Promise<ConnectionDeps> {
  const [redis, sql] = await Promise.all([redisClient(), postgresClient()])
  return { fanout: fanoutDeps(), dynamo: dynamoClient(), redis, sql }
}

export interface ConnectionEvent {
  connectionId: string
  userId: string
  sessionId?: string
  now?: number
}

/**
 * Tells the user's friends that the user came online or went offline. Best effort: a friend who misses it reads
 * GET /presence. Only friends' connections are posted to, never the connection being opened ($connect must not).
 */
async function announce(deps: ConnectionDeps, userId: string, status: 'online' | 'offline', now: number) {
  try {
    const friends = await friendIdsOf(deps.sql, userId)
    await deliverToUsers(
      deps.fanout,
      friends,
      frames.presence({ userId, status, lastSeenAt: new Date(now).toISOString() }),
    )
  } catch (error) {
    logger.warn('presence not announced', { error: error as Error, userId, status })
  }
}

/**
 * Records a new connection; a store failure throws, so the handshake is refused rather than half-recorded. The
 * record is written before the session's ended marker is read (in markOnline's one step): a revocation writes its
 * marker before it looks up the connections to close, so either it finds this one or this one finds its marker.
 */
export async function openConnection(deps: ConnectionDeps, event: ConnectionEvent): Promise<void> {
  const now = event.now ?? Date.now()
  const { dynamo } = deps
  const { table } = deps.fanout
  await recordConnection(
    dynamo,
    table,
    connectionRecord(event.connectionId, event.userId, now, event.sessionId),
  )
  const online = await markOnline(deps.redis, { ...event, now })
  if (online === 'ended') {
    await removeConnection(dynamo, table, event.connectionId, event.userId)
    throw new UnauthorizedError('The session ended while the connection was opening.')
  }
  if (online === 'first') await announce(deps, event.userId, 'online', now)
}

/**
 * Forgets a connection that ended ($disconnect) or was found gone (the reaper). Safe to run twice: only the call
 * that removes the user's last live connection announces them offline.
 */
export async function endConnection(
  deps: ConnectionDeps,
  event: { connectionId: string; userId?: string; now?: number },
): Promise<void> {
  const now = event.now ?? Date.now()
  forgetActivity(event.connectionId)
  const removed = await removeConnection(deps.dynamo, deps.fanout.table, event.connectionId, event.userId)
  const userId = event.userId ?? removed?.userId
  if (!userId) return
  const last = await markOffline(deps.redis, { connectionId: event.connectionId, userId, now })
  if (last) await announce(deps, userId, 'offline', now)
}
