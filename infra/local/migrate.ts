// `npm run migrate`: migrates the stores the environment names, else those of a running `npm run dev`, else the local defaults.
import { resolve } from 'node:path'
import { migrateLocal } from './migrations.ts'
import { liveRuntime } from './runtime-file.ts'
import { startLocalStores } from './stores/index.ts'

const log = (line: string) => console.log(line)
const dataDir = resolve(process.env.DATA_DIR ?? '.data')

async function main(): Promise<void> {
  if (process.env.DATABASE_URL && process.env.MONGO_URL) {
    log('Migrating the stores named by DATABASE_URL and MONGO_URL')
    await migrateLocal(process.env, log)
    return
  }
  const running = await liveRuntime(dataDir)
  if (running) {
    log(`Migrating the stores of the running dev runtime (pid ${running.pid})`)
    await migrateLocal({ ...running.env, ...process.env }, log)
    return
  }
  const stores = await startLocalStores({
    dataDir,
    cacheDir: resolve(process.env.CACHE_DIR ?? '.cache'),
    env: process.env,
    log,
  })
  try {
    await migrateLocal({ ...stores.env, MONGO_DB: process.env.MONGO_DB ?? 'chat' }, log)
  } finally {
    await stores.stop()
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exit(1)
})
