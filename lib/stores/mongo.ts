// MongoDB client: a small pool per process with short server selection, as Lambda wants.
import { type Db, MongoClient } from 'mongodb'
import { config, requireOneOf } from '../config.ts'
import { lazy } from './lazy.ts'
import { secretJson } from './secrets.ts'

async function connectionString(): Promise<string> {
  const env = config()
  const { MONGO_URL, MONGO_SECRET_ARN } = env
  if (MONGO_URL) return MONGO_URL
  requireOneOf(env, ['MONGO_URL', 'MONGO_SECRET_ARN'], 'set MONGO_URL or MONGO_SECRET_ARN')
  const secret = await secretJson<{ url: string }>(MONGO_SECRET_ARN as string)
  return secret.url
}

/** Connections one process may hold: the capacity plan (infra/capacity.ts) sizes consumers by it. */
export const mongoMaxPoolSize = 5

const client = lazy(async () =>
  new MongoClient(await connectionString(), {
    maxPoolSize: mongoMaxPoolSize,
    minPoolSize: 0,
    serverSelectionTimeoutMS: 3_000,
    connectTimeoutMS: 3_000,
    socketTimeoutMS: 10_000,
    maxIdleTimeMS: 60_000,
    appName: `chat-service-${config().STAGE}`,
  }).connect(),
)

export const mongoClient = client.get

export async function mongoDb(): Promise<Db> {
  return (await mongoClient()).db(config().MONGO_DB)
}

export async function closeMongo(): Promise<void> {
  await (await client.reset())?.close()
}
