// Scheduled every hour: forgets sync log rows older than the retention period (their cursors are refused anyway).
import { logger } from '../../lib/log.ts'
import { postgresClient, type Sql } from '../../lib/stores/postgres.ts'
import { retentionMs } from '../../lib/sync/cursor.ts'
import { purgeLog } from '../../lib/sync/log.ts'

/** Batches until none is left, so a backlog (a first run, a long outage) drains in one run. */
export function createPurgeSyncLogHandler(sql: () => Promise<Sql> = postgresClient) {
  return async () => {
    const db = await sql()
    let purged = 0
    for (let batch = await purgeLog(db, retentionMs()); batch > 0; batch = await purgeLog(db, retentionMs()))
      purged += batch
    if (purged > 0) logger.info('sync log purged', { purged })
    return { purged }
  }
}

export const handler = createPurgeSyncLogHandler()
