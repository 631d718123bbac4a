// A whole local stack for one bench: fresh stores in a temporary folder, migrated, behind a runtime; torn down after.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { migrateLocal } from '../../infra/local/migrations.ts'
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.ts'
import { startLocalStores } from '../../infra/local/stores/index.ts'

export async function withLocalStack<T>(
  name: string,
  run: (runtime: LocalRuntime) => Promise<T>,
  runtimeEnv: Record<string, string> = {},
): Promise<T> {
  const dataDir = await mkdtemp(join(tmpdir(), `chat-bench-${name}-`))
  const stores = await startLocalStores({
    dataDir,
    cacheDir: resolve(process.env.CACHE_DIR ?? '.cache'),
    env: process.env,
  })
  try {
    await migrateLocal(stores.env)
    const runtime = await startLocalRuntime({ env: { ...stores.env, ...runtimeEnv }, httpPort: 0, wsPort: 0 })
    try {
      return await run(runtime)
    } finally {
      await runtime.stop()
    }
  } finally {
    await stores.stop()
    await rm(dataDir, { recursive: true, force: true })
  }
}
