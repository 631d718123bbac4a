// Migrates the stores named by a local environment, with connections of its own that it closes.
import { MongoClient } from 'mongodb'
import postgres from 'postgres'
import { type MigrationResult, migrate } from '../../lib/migrations/index.ts'

export async function migrateLocal(
  env: Record<string, string | undefined>,
  log?: (line: string) => void,
): Promise<MigrationResult> {
  const { DATABASE_URL, MONGO_URL } = env
  if (!DATABASE_URL || !MONGO_URL) throw new Error('migrating needs DATABASE_URL and MONGO_URL')
  const sql = postgres(DATABASE_URL, { max: 1, prepare: false, onnotice: () => {} })
  const mongo = await new MongoClient(MONGO_URL, { serverSelectionTimeoutMS: 5_000 }).connect()
  try {
    return await migrate({ sql, db: mongo.db(env.MONGO_DB ?? 'chat'), ...(log ? { log } : {}) })
  } finally {
    await Promise.all([sql.end(), mongo.close()])
  }
}
