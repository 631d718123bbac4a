// S3 for local runs: AWS_ENDPOINT_URL_S3 when given, else s3rver on <dataDir>/s3; holds the uploads bucket.
import { join } from 'node:path'
import S3rver from '@20minutes/s3rver'
import {
  BucketAlreadyExists,
  BucketAlreadyOwnedByYou,
  CreateBucketCommand,
  PutBucketCorsCommand,
  S3Client,
} from '@aws-sdk/client-s3'
import { closeServer } from './listen.ts'
import type { RunningStore, StoreContext } from './store.ts'

/** Browsers upload with the presigned POST and read with presigned GETs from the web app's origin. */
const corsRules = [
  {
    AllowedOrigins: ['*'],
    AllowedMethods: ['GET', 'PUT', 'POST'],
    AllowedHeaders: ['*'],
    ExposeHeaders: ['ETag'],
    MaxAgeSeconds: 3000,
  },
]

async function ensureBucket(client: S3Client, Bucket: string) {
  await client.send(new CreateBucketCommand({ Bucket })).catch((error) => {
    if (!(error instanceof BucketAlreadyOwnedByYou || error instanceof BucketAlreadyExists)) throw error
  })
  await client.send(new PutBucketCorsCommand({ Bucket, CORSConfiguration: { CORSRules: corsRules } }))
}

export async function startS3({ env, aws, dataDir }: StoreContext): Promise<RunningStore> {
  const given = env.AWS_ENDPOINT_URL_S3
  const server = given
    ? undefined
    : new S3rver({
        address: '127.0.0.1',
        port: 0,
        silent: true,
        directory: join(dataDir, 's3'),
        // s3rver signs a bucket's path without the trailing slash the SDK sends (/bucket/), so every bucket-level
        // call (CreateBucket, HeadBucket) would fail its signature check: the stand-in checks no signatures.
        allowMismatchedSignatures: true,
      })
  const endpoint = given ?? `http://127.0.0.1:${(await (server as S3rver).run()).port}`
  const stop = async () => {
    if (server?.httpServer) await closeServer(server.httpServer)
  }
  const bucket = env.UPLOADS_BUCKET ?? 'chat-local-uploads'
  const client = new S3Client({ ...aws, endpoint, forcePathStyle: true })
  try {
    await ensureBucket(client, bucket)
  } catch (error) {
    await stop()
    throw error
  } finally {
    client.destroy()
  }
  return {
    stores: [{ name: 's3', endpoint, source: server ? 'started' : 'environment' }],
    env: { AWS_ENDPOINT_URL_S3: endpoint, S3_FORCE_PATH_STYLE: 'true', UPLOADS_BUCKET: bucket },
    stop,
  }
}
