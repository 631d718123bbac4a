// local-aws-sqs, in memory: queues and messages do not outlive the process (the parent makes the queues again).
import { createSqsServer } from 'local-aws-sqs'
import { closeServer } from '../listen.ts'
import type { StoreServer } from './index.ts'

export async function serve({ port, region }: { port: number; region: string }): Promise<StoreServer> {
  // The queue URLs it hands out carry the port it listens on, the OS's pick when given 0.
  const server = await createSqsServer({ port, hostname: '127.0.0.1', region })
  const address = server.address()
  if (!address || typeof address !== 'object')
    throw new Error(`unexpected SQS server address ${String(address)}`)
  return { port: address.port, close: () => closeServer(server) }
}
