// Ended sessions' markers in Redis: written when sessions end (logout, password change, account deletion, disable),
// read by the socket's admission check and by $connect, so no connection of an ended session is served again.
import type { Redis } from '@upstash/redis'
import { config } from '../config.ts'
import { connectionTtlSeconds } from './table.ts'

/** A revoked session's marker outlives any connection it could have opened (API Gateway's 2 h limit, plus margin). */
export const sessionEndedTtlSeconds = connectionTtlSeconds

export const sessionEndedKey = (sessionId: string, stage = config().STAGE) => `${stage}:ws:ended:${sessionId}`

/** Marks sessions ended, so any connection of theirs is refused its next frame (and its $connect, if still running). */
export async function markSessionsEnded(redis: Redis, sessionIds: readonly string[]): Promise<void> {
  if (sessionIds.length === 0) return
  const pipeline = redis.pipeline()
  for (const sessionId of sessionIds)
    pipeline.set(sessionEndedKey(sessionId), '1', { ex: sessionEndedTtlSeconds })
  await pipeline.exec()
}
