// The idle reaper: closes connections with no client frame for the idle timeout, and cleans up those already gone.

import { idleConnections } from '../delivery/activity.ts'
import { forEachBounded } from '../delivery/bounded.ts'
import { closeConnection } from '../delivery/frames.ts'
import { logger } from '../log.ts'
import { type ConnectionDeps, endConnection } from './lifecycle.ts'

export interface ReapOptions {
  idleTimeoutMinutes: number
  now?: number
  /** Connections handled per run; the rest wait for the next run, a minute later. */
  batchSize?: number
  concurrency?: number
}

export interface Reaped {
  /** Closed through @connections DELETE; API Gateway runs their $disconnect, which does the cleanup. */
  closed: string[]
  /** Already gone without a $disconnect: cleaned up here, their users announced offline if it was their last. */
  gone: string[]
  failed: number
}

export async function reapIdle(deps: ConnectionDeps, options: ReapOptions): Promise<Reaped> {
  const now = options.now ?? Date.now()
  const idleSince = now - options.idleTimeoutMinutes * 60_000
  const idle = await idleConnections(deps.redis, idleSince, options.batchSize ?? 1000)
  const result: Reaped = { closed: [], gone: [], failed: 0 }
  await forEachBounded(idle, options.concurrency ?? 16, async ({ connectionId, userId }) => {
    try {
      if ((await closeConnection(deps.fanout.management, connectionId)) === 'sent') {
        result.closed.push(connectionId)
        return
      }
      result.gone.push(connectionId)
      await endConnection(deps, { connectionId, userId, now })
    } catch (error) {
      result.failed++
      logger.warn('idle connection not reaped', { error: error as Error, connectionId })
    }
  })
  return result
}
