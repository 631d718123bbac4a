// The servers a store process can run (host.ts), each loaded only by the process that runs it.

/** A server running in a store process: the port it listens on, and how to close it before the process ends. */
export interface StoreServer {
  port: number
  close(): Promise<void>
}

export const servers = {
  pglite: () => import('./pglite.ts'),
  dynalite: () => import('./dynalite.ts'),
  s3rver: () => import('./s3rver.ts'),
  sqs: () => import('./sqs.ts'),
  'upstash-rest': () => import('./upstash-rest.ts'),
}

export type ServerName = keyof typeof servers

/** What `serve` takes: `port` 0 lets the OS pick one; a restart passes the port the first start got. */
export type ServerOptions<N extends ServerName> = Parameters<
  Awaited<ReturnType<(typeof servers)[N]>>['serve']
>[0]
