// PostgreSQL for local runs: DATABASE_URL when given, else PGlite (with pg_trgm) in a supervised process of its own.
import { join } from 'node:path'
import { takeLock } from './lock.ts'
import { fromEnvironment, type RunningStore, type StoreContext } from './store.ts'
import { supervise } from './supervisor.ts'

export async function startPostgres({ env, dataDir, log }: StoreContext): Promise<RunningStore> {
  if (env.DATABASE_URL)
    return fromEnvironment('postgres', env.DATABASE_URL, { DATABASE_URL: env.DATABASE_URL })

  const directory = join(dataDir, 'pglite')
  // Two PGlite instances writing one directory corrupt it, and nothing inside PGlite prevents that. This
  // process holds the lock, so the store's own process can die and be restarted without losing it.
  const lock = await takeLock(`${directory}.lock`)
  if ('heldBy' in lock) {
    throw new Error(
      `PGlite data in ${directory} is in use by process ${lock.heldBy}. ` +
        'Give this runtime another data directory, or set DATABASE_URL to a PostgreSQL server.',
    )
  }
  try {
    const server = await supervise({
      name: 'postgres',
      server: 'pglite',
      options: { directory },
      /*
       * PostgreSQL's WebAssembly optimised as it loads, not function by function once each turns hot: measured here,
       * +1.3 s and +2.7 s of CPU at start, and the statement of each send then cost ~3.2 ms of PGlite's CPU from
       * the first message rather than ~4.5 over a fresh runtime's first few hundred.
       */
      nodeArgs: ['--no-wasm-dynamic-tiering'],
      env,
      log,
    })
    const url = `postgres://postgres@127.0.0.1:${server.port}/postgres`
    return {
      stores: [{ name: 'postgres', endpoint: url, source: 'started' }],
      env: { DATABASE_URL: url },
      async stop() {
        await server.stop()
        await lock.release()
      },
    }
  } catch (error) {
    await lock.release()
    throw error
  }
}
