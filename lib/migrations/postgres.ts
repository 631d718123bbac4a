// Versioned migrations, recorded in PostgreSQL: applied in order, once, under an advisory lock.
import type { Db } from 'mongodb'
import type { Sql, TransactionSql } from 'postgres'
import { identityAndSocial } from './postgres/0001-identity-and-social.ts'
import { accountListing } from './postgres/0002-account-listing.ts'
import { conversationsSequence } from './postgres/0004-conversations-sequence.ts'
import { messagingRules } from './postgres/0005-messaging-rules.ts'
import { messageKeys } from './postgres/0006-message-keys.ts'
import { conversationEvents } from './postgres/0007-conversation-events.ts'
import { pushSubscriptions } from './postgres/0008-push-subscriptions.ts'
import { deliveryMarkers } from './postgres/0009-delivery-markers.ts'
import { accountRecovery } from './postgres/0010-account-recovery.ts'
import { syncLog } from './postgres/0011-sync-log.ts'

export interface Migration {
  version: number
  name: string
  /** Runs in one PostgreSQL transaction; `db` is there for the migrations that move MongoDB data with the schema. */
  up(sql: TransactionSql, db: Db): Promise<void>
}

export const postgresMigrations: readonly Migration[] = [
  identityAndSocial,
  accountListing,
  conversationsSequence,
  messagingRules,
  messageKeys,
  conversationEvents,
  pushSubscriptions,
  deliveryMarkers,
  accountRecovery,
  syncLog,
]

// Any constant works; it only has to be the same for every process that migrates this database.
const migrationLockKey = 727_011_001

/**
 * Applies every migration not yet recorded, each in its own transaction. Concurrent runners
 * serialise on a transaction-scoped advisory lock and re-check what is applied once they hold it,
 * so two processes applying at once apply each migration exactly once.
 */
export async function migratePostgres(
  sql: Sql,
  db: Db,
  migrations: readonly Migration[] = postgresMigrations,
  log: (line: string) => void = () => {},
): Promise<number[]> {
  // Concurrent `create table if not exists` can still collide in the catalog, so even this waits its turn.
  await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${migrationLockKey})`
    await tx`
      create table if not exists schema_migrations (
        version integer primary key,
        name text not null,
        applied_at timestamptz not null default now()
      )`
  })
  const applied: number[] = []
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    const ran = await sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(${migrationLockKey})`
      const [done] = await tx`select 1 from schema_migrations where version = ${migration.version}`
      if (done) return false
      await migration.up(tx, db)
      await tx`insert into schema_migrations (version, name) values (${migration.version}, ${migration.name})`
      return true
    })
    if (ran) {
      applied.push(migration.version)
      log(`postgres: applied ${migration.version} ${migration.name}`)
    }
  }
  return applied
}
