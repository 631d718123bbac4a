// `npm run migrate`, the dev runtime, test setup and the deploy-time trigger all migrate through here.
import { mongoDb } from '../stores/mongo.ts'
import { postgresClient } from '../stores/postgres.ts'
import { ensureMongoIndexes } from './mongo.ts'
import { migratePostgres } from './postgres.ts'

export interface MigrationResult {
  postgres: number[]
  mongo: { created: number; unsupported: string[] }
}

export async function migrate(options: { log?: (line: string) => void } = {}): Promise<MigrationResult> {
  const log = options.log ?? (() => {})
  const postgres = await migratePostgres(await postgresClient(), undefined, log)
  if (postgres.length === 0) log('postgres: schema up to date')
  const indexes = await ensureMongoIndexes(await mongoDb())
  log(`mongo: ${indexes.created.length} indexes ensured`)
  for (const { index, reason } of indexes.unsupported)
    log(`mongo: index ${index} not supported by this server (${reason})`)
  return {
    postgres,
    mongo: { created: indexes.created.length, unsupported: indexes.unsupported.map(({ index }) => index) },
  }
}
