// Redis for local runs: REDIS_URL when given, else a redis-server from PATH; either way behind a local Upstash REST endpoint.
import { randomBytes } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { type Child, findOnPath, onFreePort, spawnChild, waitUntilReady } from './processes.ts'
import { fromEnvironment, type RunningStore, type StoreContext } from './store.ts'
import { supervise } from './supervisor.ts'

async function answersPing(url: string): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
  redis.on('error', () => {}) // a refused connection is the answer `false`, not news
  try {
    await redis.connect()
    return (await redis.ping()) === 'PONG'
  } finally {
    redis.disconnect()
  }
}

async function startRedisServer({ env, dataDir }: StoreContext): Promise<{ child: Child; url: string }> {
  const command = await findOnPath('redis-server', env)
  if (!command) {
    throw new Error(
      'redis-server is not on PATH. Install Redis (apt-get install redis-server, brew install redis), ' +
        'or set REDIS_URL to a Redis you run (for example redis://127.0.0.1:6379).',
    )
  }
  const dir = join(dataDir, 'redis')
  await mkdir(dir, { recursive: true })
  return onFreePort(async (port) => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']
    const child = spawnChild(command, [...args, '--dir', dir, '--loglevel', 'warning'], { env })
    const url = `redis://127.0.0.1:${port}`
    await waitUntilReady(child, 'redis-server', () => answersPing(url))
    return { child, url }
  })
}

export async function startRedis(context: StoreContext): Promise<RunningStore> {
  const { UPSTASH_REDIS_REST_URL: givenUrl, UPSTASH_REDIS_REST_TOKEN: givenToken, REDIS_URL } = context.env
  if (givenUrl && givenToken) {
    return fromEnvironment('redis', givenUrl, {
      UPSTASH_REDIS_REST_URL: givenUrl,
      UPSTASH_REDIS_REST_TOKEN: givenToken,
    })
  }
  const server = REDIS_URL ? undefined : await startRedisServer(context)
  const url = REDIS_URL ?? (server?.url as string)
  const token = randomBytes(24).toString('base64url')
  const rest = await supervise({
    name: 'upstash-rest',
    server: 'upstash-rest',
    options: { redisUrl: url, token },
    env: context.env,
    log: context.log,
  }).catch(async (error) => {
    await server?.child.stop()
    throw error
  })
  const restUrl = `http://127.0.0.1:${rest.port}`
  return {
    stores: [
      { name: 'redis', endpoint: url, source: server ? 'started' : 'environment' },
      { name: 'upstash-rest', endpoint: restUrl, source: 'started' },
    ],
    env: { REDIS_URL: url, UPSTASH_REDIS_REST_URL: restUrl, UPSTASH_REDIS_REST_TOKEN: token },
    async stop() {
      await rest.stop()
      await server?.child.stop()
    },
  }
}
