// dynalite, keeping its tables in LevelDB under the directory given, so a restarted process has them all.
import dynalite from 'dynalite'
import { closeServer, listenOn } from '../listen.ts'
import type { StoreServer } from './index.ts'

export async function serve({ port, directory }: { port: number; directory: string }): Promise<StoreServer> {
  const server = dynalite({ path: directory, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 })
  return { port: await listenOn(server, port), close: () => closeServer(server) }
}
