// Scheduled every minute: closes connections idle for IDLE_TIMEOUT_MINUTES through @connections DELETE.
import { config } from '../../lib/config.ts'
import { type ConnectionDeps, connectionDeps } from '../../lib/connections/lifecycle.ts'
import { reapIdle } from '../../lib/connections/reaper.ts'
import { logger } from '../../lib/log.ts'

export function createReapIdleHandler(deps: () => Promise<ConnectionDeps> = connectionDeps) {
  return async () => {
    const reaped = await reapIdle(await deps(), { idleTimeoutMinutes: config().IDLE_TIMEOUT_MINUTES })
    const counts = { closed: reaped.closed.length, gone: reaped.gone.length, failed: reaped.failed }
    if (counts.closed + counts.gone + counts.failed > 0) logger.info('idle connections reaped', counts)
    return counts
  }
}

export const handler = createReapIdleHandler()
