// PostgreSQL for local runs: DATABASE_URL when given, else PGlite (with pg_trgm) served over the wire protocol.
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm'
import { PGLiteSocketServer } from '@electric-sql/pglite-socket'
import { takeLock } from './lock.ts'
import { fromEnvironment, type RunningStore, type StoreContext } from './store.ts'

/** Client sockets the server accepts; all of them share PGlite's one session, queued query by query. */
const maxConnections = 100

export async function startPostgres({ env, dataDir }: StoreContext): Promise<RunningStore> {
  if (env.DATABASE_URL)
    return fromEnvironment('postgres', env.DATABASE_URL, { DATABASE_URL: env.DATABASE_URL })

  const directory = join(dataDir, 'pglite')
  await mkdir(dataDir, { recursive: true })
  // Two PGlite instances writing one directory corrupt it, and nothing inside PGlite prevents that.
  const lock = await takeLock(`${directory}.lock`)
  if ('heldBy' in lock) {
    throw new Error(
      `PGlite data in ${directory} is in use by process ${lock.heldBy}. ` +
        'Give this runtime another data directory, or set DATABASE_URL to a PostgreSQL server.',
    )
  }
  try {
    const db = await PGlite.create({ dataDir: directory, extensions: { pg_trgm } })
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections })
    await server.start().catch(async (error) => {
      await db.close()
      throw error
    })
    const url = `postgres://postgres@${server.getServerConn()}/postgres`
    return {
      stores: [{ name: 'postgres', endpoint: url, source: 'started' }],
      env: { DATABASE_URL: url },
      async stop() {
        await server.stop()
        await db.close()
        await lock.release()
      },
    }
  } catch (error) {
    await lock.release()
    throw error
  }
}
