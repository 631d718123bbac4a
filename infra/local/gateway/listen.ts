// Puts a node:http server on a port (0 picks a free one) and closes it with its sockets; what every local API server is given.
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { LocalFunctions } from './lambda.ts'
import type { LocalIdentity, RouteTable } from './table.ts'

export interface RunningServer {
  port: number
  close(): Promise<void>
}

export function listen(server: Server, port: number, host = '127.0.0.1'): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done())
            server.closeAllConnections()
          }),
      })
    })
  })
}

/** What each local API server is given: the table it serves, the functions behind it, and where to listen. */
export interface GatewayOptions {
  table: RouteTable
  functions: LocalFunctions
  ids: LocalIdentity
  port: number
  log: (line: string) => void
  /** API Gateway gives up on an integration after 29 s. */
  integrationTimeoutMs?: number
}
