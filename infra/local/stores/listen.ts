// Ports chosen by the OS, and in-process servers listening on them.
import type { Server as HttpServer } from 'node:http'
import { createServer, type Server } from 'node:net'

/** Listens on 127.0.0.1 on a port the OS picks, and returns that port. */
export function listenOnFreePort(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      const address = server.address()
      if (address && typeof address === 'object') resolve(address.port)
      else reject(new Error(`unexpected server address ${String(address)}`))
    })
  })
}

/** A port that was free a moment ago, for a child process that cannot report the port it picked. */
export async function freePort(): Promise<number> {
  const probe = createServer()
  const port = await listenOnFreePort(probe)
  await new Promise((resolve) => probe.close(resolve))
  return port
}

/** Closes an HTTP server without waiting for clients' idle keep-alive connections to time out. */
export async function closeServer(server: HttpServer): Promise<void> {
  if (!server.listening) return
  const closed = new Promise<void>((resolve, reject) =>
    server.close((error) => (error ? reject(error) : resolve())),
  )
  server.closeAllConnections()
  await closed
}
