// Puts a node:http server on a port (0 picks a free one), reports the port it got, and closes it with its sockets.
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

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
