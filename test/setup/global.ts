// Brings the stores up once per test run, on a database and Mongo namespace of the run's own.
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs'
import postgres from 'postgres'
import type { TestProject } from 'vitest/node'
import { migrateLocal } from '../../infra/local/migrations.ts'
import { startLocalStores } from '../../infra/local/stores/index.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    storeEnv: Record<string, string>
    /** Laid over storeEnv by test/setup/env.ts, by VITEST_POOL_ID: what files of one worker share with no other. */
    workerEnv: Record<string, Record<string, string>>
  }
}

/** The machine's PostgreSQL, as ARCHITECTURE.md section 2 asks tests to use, unless DATABASE_URL says otherwise. */
const machinePostgres = 'postgres://postgres@127.0.0.1:5432/postgres'

async function createRunDatabase(serverUrl: string, name: string): Promise<string> {
  const admin = postgres(serverUrl, { max: 1, connect_timeout: 5, onnotice: () => {} })
  try {
    await admin`select 1`
  } catch (error) {
    throw new Error(
      `Tests need PostgreSQL: none answered at ${new URL(serverUrl).host} (${(error as Error).message}). ` +
        'Start the machine PostgreSQL or set DATABASE_URL to a server where this user may create databases.',
    )
  }
  await admin`create database ${admin(name)}`
  await admin.end()
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return url.toString()
}

async function dropRunDatabase(serverUrl: string, name: string): Promise<void> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} })
  await admin`drop database if exists ${admin(name)} with (force)`
  await admin.end()
}

/**
 * A copy, for each worker, of every queue the stores made (`X_QUEUE_URL`, with its `X_DLQ_URL`), same attributes,
 * redriving to the worker's own DLQ: a local runtime polls the queues it is given, so files running at the same
 * time in two workers would otherwise take each other's jobs.
 */
async function workerQueues(env: Record<string, string>, worker: string): Promise<Record<string, string>> {
  const sqs = new SQSClient({
    region: env.AWS_REGION,
    endpoint: env.AWS_ENDPOINT_URL_SQS,
    credentials: {
      accessKeyId: env.AWS_ACCESS_KEY_ID ?? '',
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '',
    },
  })
  const copy = async (url: string, deadLetterArn?: string) => {
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }),
    )
    const attributes: Record<string, string> = {}
    for (const name of ['VisibilityTimeout', 'MessageRetentionPeriod', 'DelaySeconds', 'RedrivePolicy']) {
      const value = Attributes[name as keyof typeof Attributes]
      if (value !== undefined) attributes[name] = value
    }
    if (deadLetterArn && attributes.RedrivePolicy) {
      attributes.RedrivePolicy = JSON.stringify({
        ...JSON.parse(attributes.RedrivePolicy),
        deadLetterTargetArn: deadLetterArn,
      })
    }
    const name = `${url.split('/').pop()}-${worker}`
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))
    const created = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }))
    return { url: QueueUrl as string, arn: created.Attributes?.QueueArn as string }
  }
  const copies: Record<string, string> = {}
  try {
    for (const [name, url] of Object.entries(env)) {
      const prefix = /^(.+)_QUEUE_URL$/.exec(name)?.[1]
      if (!prefix || !url) continue
      const dlqUrl = env[`${prefix}_DLQ_URL`]
      const dlq = dlqUrl ? await copy(dlqUrl) : undefined
      if (dlq) copies[`${prefix}_DLQ_URL`] = dlq.url
      copies[name] = (await copy(url, dlq?.arn)).url
    }
  } finally {
    sqs.destroy()
  }
  return copies
}

export default async function setup(project: TestProject) {
  const runId = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`
  const serverUrl = process.env.DATABASE_URL ?? machinePostgres
  const databaseName = `chat_test_${runId}`
  const databaseUrl = await createRunDatabase(serverUrl, databaseName)
  const dataDir = await mkdtemp(join(tmpdir(), 'chat-test-'))
  const stores = await startLocalStores({
    dataDir,
    cacheDir: process.env.CACHE_DIR ?? '.cache',
    env: { ...process.env, DATABASE_URL: databaseUrl },
  })
  const storeEnv: Record<string, string> = {
    ...stores.env,
    DATABASE_URL: databaseUrl,
    MONGO_DB: `chat_test_${runId}`,
    // Redis is shared (the machine's, across runs): a stage of the run's own keeps its keys apart.
    STAGE: `test-${runId}`,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'SILENT',
    POWERTOOLS_DEV: 'false',
    // Delivery metrics (EMF lines on stdout) are pinned by their own test; the rest of the suite stays quiet.
    POWERTOOLS_METRICS_DISABLED: 'true',
  }
  const teardown = async () => {
    await stores.stop()
    await dropRunDatabase(serverUrl, databaseName)
    await rm(dataDir, { recursive: true, force: true })
  }
  try {
    await migrateLocal(storeEnv)
  } catch (error) {
    await teardown()
    throw error
  }
  const workers = project.config.maxWorkers || project.vitest.config.maxWorkers || availableParallelism()
  const workerEnv: Record<string, Record<string, string>> = {}
  try {
    for (let id = 1; id <= workers; id++) {
      workerEnv[id] = {
        ...(await workerQueues(storeEnv, `w${id}`)),
        STAGE: `${storeEnv.STAGE}-w${id}`,
      }
    }
  } catch (error) {
    await teardown()
    throw error
  }
  project.provide('storeEnv', storeEnv)
  project.provide('workerEnv', workerEnv)
  return teardown
}
