// What catching up reaches: PostgreSQL and MongoDB only (plus Redis for admission), so the sync functions bundle no
// connections table client.
import type { Db } from 'mongodb'
import { storeFault } from '../messages/store.ts'
import type { Sql } from '../stores/postgres.ts'
import { retentionMs } from './cursor.ts'
import type { SyncContext } from './sync.ts'

export interface SyncDeps {
  sql: () => Promise<Sql>
  mongo: () => Promise<Db>
}

export async function syncContext(deps: SyncDeps): Promise<SyncContext> {
  const [sql, mongo] = await Promise.all([
    deps.sql(),
    deps.mongo().catch((error: unknown) => {
      throw storeFault(error)
    }),
  ])
  return { sql, mongo, retentionMs: retentionMs() }
}
