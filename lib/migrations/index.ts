// `npm run migrate`, the dev runtime, test setup and the deploy-time trigger all migrate through here.
import type { Db } from 'mongodb'
import type { Sql } from 'postgres'
import { ensureMongoIndexes } from './mongo.ts'
import { migratePostgres } from './postgres.ts'

export interface MigrationResult {
  postgres: number[]
  mongo: { created: number; unsupported: string[] }
}

export interface MigrationTargets {
  sql: Sql
  db: Db
  log?: (line: string) => void
}

export async function migrate({ sql, db, log = () => {} }: MigrationTargets): Promise<MigrationResult> {
  const postgres = await migratePostgres(sql, db, undefined, log)
  if (postgres.length === 0) log('postgres: schema up to date')
  const indexes = await ensureMongoIndexes(db)
  log(`mongo: ${indexes.created.length} indexes ensured`)
  for (const { index, reason } of indexes.unsupported)
    log(`mongo: index ${index} not supported by this server (${reason})`)
  return {
    postgres,
    mongo: { created: indexes.created.length, unsupported: indexes.unsupported.map(({ index }) => index) },
  }
}
