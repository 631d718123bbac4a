// Ports chosen by the OS, and servers listening on them.
import type { Server as HttpServer } from 'node:http'
import { createServer, type Server } from 'node:net'

/** Listens on 127.0.0.1 on `port` (by default one the OS picks), and returns the port. */
export function listenOn(server: Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
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
  const port = await listenOn(probe)
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
