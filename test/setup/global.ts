// Brings the stores up once per test run, on a database and Mongo namespace of the run's own.
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import postgres from 'postgres'
import type { TestProject } from 'vitest/node'
import { migrateLocal } from '../../infra/local/migrations.ts'
import { startLocalStores } from '../../infra/local/stores/index.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    storeEnv: Record<string, string>
  }
}

/** The machine's PostgreSQL, as ARCHITECTURE.md section 2 asks tests to use, unless DATABASE_URL says otherwise. */
const machinePostgres = 'postgres://postgres@127.0.0.1:5432/postgres'

async function createRunDatabase(serverUrl: string, name: string): Promise<string> {
  const admin = postgres(serverUrl, { max: 1, connect_timeout: 5, onnotice: () => {} })
  try {
    await admin`select 1`
  } catch (error) {
    throw new Error(
      `Tests need PostgreSQL: none answered at ${new URL(serverUrl).host} (${(error as Error).message}). ` +
        'Start the machine PostgreSQL or set DATABASE_URL to a server where this user may create databases.',
    )
  }
  await admin`create database ${admin(name)}`
  await admin.end()
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return url.toString()
}

async function dropRunDatabase(serverUrl: string, name: string): Promise<void> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} })
  await admin`drop database if exists ${admin(name)} with (force)`
  await admin.end()
}

export default async function setup(project: TestProject) {
  const runId = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`
  const serverUrl = process.env.DATABASE_URL ?? machinePostgres
  const databaseName = `chat_test_${runId}`
  const databaseUrl = await createRunDatabase(serverUrl, databaseName)
  const dataDir = await mkdtemp(join(tmpdir(), 'chat-test-'))
  const stores = await startLocalStores({
    dataDir,
    cacheDir: process.env.CACHE_DIR ?? '.cache',
    env: { ...process.env, DATABASE_URL: databaseUrl },
  })
  const storeEnv: Record<string, string> = {
    ...stores.env,
    DATABASE_URL: databaseUrl,
    MONGO_DB: `chat_test_${runId}`,
    // Redis is shared (the machine's, across runs): a stage of the run's own keeps its keys apart.
    STAGE: `test-${runId}`,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'SILENT',
    POWERTOOLS_DEV: 'false',
    // Delivery metrics (EMF lines on stdout) are pinned by their own test; the rest of the suite stays quiet.
    POWERTOOLS_METRICS_DISABLED: 'true',
  }
  const teardown = async () => {
    await stores.stop()
    await dropRunDatabase(serverUrl, databaseName)
    await rm(dataDir, { recursive: true, force: true })
  }
  try {
    await migrateLocal(storeEnv)
  } catch (error) {
    await teardown()
    throw error
  }
  project.provide('storeEnv', storeEnv)
  return teardown
}
