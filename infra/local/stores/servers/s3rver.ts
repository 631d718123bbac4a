// s3rver, keeping buckets and objects as files under the directory given.
import S3rver from '@20minutes/s3rver'
import { closeServer } from '../listen.ts'
import type { StoreServer } from './index.ts'

export async function serve({ port, directory }: { port: number; directory: string }): Promise<StoreServer> {
  const server = new S3rver({
    address: '127.0.0.1',
    port,
    silent: true,
    directory,
    // s3rver signs a bucket's path without the trailing slash the SDK sends (/bucket/), so every bucket-level
    // call (CreateBucket, HeadBucket) would fail its signature check: the stand-in checks no signatures.
    allowMismatchedSignatures: true,
  })
  const address = await server.run()
  return {
    port: address.port,
    close: async () => {
      if (server.httpServer) await closeServer(server.httpServer)
    },
  }
}
