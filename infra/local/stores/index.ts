// Starts the stores the local runtimes use (or adopts those the environment names) and says how to reach them.
import { mkdir } from 'node:fs/promises'
import { resolve } from 'node:path'
import { startDynamoDb } from './dynamodb.ts'
import { startFerretDb } from './ferretdb.ts'
import { startMailFolder } from './mail.ts'
import { startPostgres } from './postgres.ts'
import { startPush } from './push.ts'
import { startRedis } from './redis.ts'
import { startS3 } from './s3.ts'
import { startSigningKeys } from './signing-keys.ts'
import { startSqs } from './sqs.ts'
import type { RunningStore, StoreContext } from './store.ts'

export interface StartedStore {
  name: string
  endpoint: string
  source: 'environment' | 'started'
}

export interface LocalStores {
  /** Environment variables that point lib/config.ts and the AWS SDK at these stores. */
  env: Record<string, string>
  stores: StartedStore[]
  stop(): Promise<void>
}

export interface LocalStoreOptions {
  dataDir: string
  cacheDir: string
  env?: NodeJS.ProcessEnv
  log?: (line: string) => void
}

const starters = {
  postgres: startPostgres,
  mongodb: startFerretDb,
  redis: startRedis,
  dynamodb: startDynamoDb,
  s3: startS3,
  sqs: startSqs,
  jwtKeys: startSigningKeys,
  push: startPush,
  mail: startMailFolder,
}

// s3rver knows this access key only; dynalite and local-aws-sqs accept any.
const localCredentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }

async function stopAll(running: RunningStore[]): Promise<void> {
  const failures = (await Promise.allSettled(running.map((store) => store.stop()))).flatMap((result) =>
    result.status === 'rejected' ? [result.reason] : [],
  )
  if (failures.length > 0) throw new AggregateError(failures, 'some local stores did not stop cleanly')
}

export async function startLocalStores(options: LocalStoreOptions): Promise<LocalStores> {
  const env = options.env ?? process.env
  const log = options.log ?? (() => {})
  const region = env.AWS_REGION ?? 'us-east-1'
  const context: StoreContext = {
    dataDir: resolve(options.dataDir),
    cacheDir: resolve(options.cacheDir),
    env,
    log,
    aws: { region, credentials: localCredentials },
  }
  await mkdir(context.dataDir, { recursive: true })

  const results = await Promise.allSettled(
    Object.entries(starters).map(async ([name, start]) => {
      const started = Date.now()
      const store = await start(context)
      const where = store.stores.map((s) => `${s.endpoint} (${s.source})`).join(', ')
      log(`${name}: ready in ${Date.now() - started} ms at ${where}`)
      return store
    }),
  )
  const running = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []))
  const failures = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as Error] : []))
  if (failures.length > 0) {
    await stopAll(running).catch((error: Error) => log(`stopping after a failed start: ${error.message}`))
    if (failures.length === 1) throw failures[0]
    const list = failures.map((failure) => `\n- ${failure.message}`).join('')
    throw new AggregateError(failures, `local stores failed to start:${list}`)
  }

  let stopping: Promise<void> | undefined
  return {
    env: Object.assign(
      {
        AWS_REGION: region,
        AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
      },
      ...running.map((store) => store.env),
    ),
    stores: running.flatMap((store) => store.stores),
    stop() {
      stopping ??= stopAll(running)
      return stopping
    },
  }
}
