// S3 for local runs: AWS_ENDPOINT_URL_S3 when given, else s3rver on <dataDir>/s3; holds the uploads bucket.
import { join } from 'node:path'
import {
  BucketAlreadyExists,
  BucketAlreadyOwnedByYou,
  CreateBucketCommand,
  PutBucketCorsCommand,
  S3Client,
} from '@aws-sdk/client-s3'
import { fromEnvironment, type RunningStore, type StoreContext } from './store.ts'
import { supervise } from './supervisor.ts'

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

async function prepareBucket(endpoint: string, Bucket: string, { aws }: StoreContext): Promise<void> {
  const client = new S3Client({ ...aws, endpoint, forcePathStyle: true })
  try {
    await client.send(new CreateBucketCommand({ Bucket })).catch((error) => {
      if (!(error instanceof BucketAlreadyOwnedByYou || error instanceof BucketAlreadyExists)) throw error
    })
    await client.send(new PutBucketCorsCommand({ Bucket, CORSConfiguration: { CORSRules: corsRules } }))
  } finally {
    client.destroy()
  }
}

export async function startS3(context: StoreContext): Promise<RunningStore> {
  const { env, dataDir, log } = context
  const bucket = env.UPLOADS_BUCKET ?? 'chat-local-uploads'
  const storeEnv = (endpoint: string) => ({
    AWS_ENDPOINT_URL_S3: endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    UPLOADS_BUCKET: bucket,
  })
  const given = env.AWS_ENDPOINT_URL_S3
  if (given) {
    await prepareBucket(given, bucket, context)
    return fromEnvironment('s3', given, storeEnv(given))
  }
  const server = await supervise({
    name: 's3',
    server: 's3rver',
    options: { directory: join(dataDir, 's3') },
    env,
    log,
    prepare: (port) => prepareBucket(`http://127.0.0.1:${port}`, bucket, context),
  })
  const endpoint = `http://127.0.0.1:${server.port}`
  return { stores: [{ name: 's3', endpoint, source: 'started' }], env: storeEnv(endpoint), stop: server.stop }
}
