// PGlite (with pg_trgm) served over the PostgreSQL wire protocol; the parent holds the data directory's lock.
import { PGlite } from '@electric-sql/pglite'
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm'
import { PGLiteSocketServer } from '@electric-sql/pglite-socket'
import type { StoreServer } from './index.ts'

/** Client sockets the server accepts; all of them share PGlite's one session, queued query by query. */
const maxConnections = 100

export async function serve({ port, directory }: { port: number; directory: string }): Promise<StoreServer> {
  const db = await PGlite.create({ dataDir: directory, extensions: { pg_trgm } })
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port, maxConnections })
  await server.start().catch(async (error) => {
    await db.close()
    throw error
  })
  return {
    port: Number(server.getServerConn().split(':').pop()),
    async close() {
      await server.stop()
      await db.close()
    },
  }
}
