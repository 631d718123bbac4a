// The rate limiter's deadline: Redis down or stalled denies; this process being too busy to read the answer does not.
import { randomUUID } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import { Redis } from '@upstash/redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, listenOn } from '../../../infra/local/stores/listen.ts'
import { config } from '../../../lib/config.ts'
import { UnavailableError } from '../../../lib/errors.ts'
import { createLimiter } from '../../../lib/rate-limit/limiter.ts'
import { redisClient } from '../../../lib/stores/redis.ts'

/** Holds this thread (and so its event loop) for `ms`, as a saturated runtime or a long synchronous task does. */
function blockEventLoop(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

/** Redis as `real` is, except that each script it runs leaves this process busy for twice the deadline. */
function busyAfterSending(real: Redis): Redis {
  return new Proxy(real, {
    get(target, key) {
      const value = Reflect.get(target, key, target)
      if (key !== 'evalsha' && key !== 'eval') return typeof value === 'function' ? value.bind(target) : value
      return (...args: unknown[]) => {
        const answer = value.apply(target, args)
        blockEventLoop(2 * config().RATE_LIMIT_TIMEOUT_MS)
        return answer
      }
    },
  })
}

const upstashAt = (url: string) => new Redis({ url, token: 'local', enableTelemetry: false, retry: false })
const limiterOver = (redis: Redis) =>
  createLimiter(async () => redis, { name: `deadline-${randomUUID()}`, limit: 5, window: '1 m' })

/** An endpoint that takes every request and never answers: Redis stalled. */
let stalled: Server
let stalledUrl: string
beforeAll(async () => {
  stalled = createServer(() => {})
  stalledUrl = `http://127.0.0.1:${await listenOn(stalled)}`
})
afterAll(() => {
  stalled.closeAllConnections()
  stalled.close()
})

describe('a rate-limit check', () => {
  it('is allowed when its answer came while this process was too busy to read it', async () => {
    const limiter = limiterOver(busyAfterSending(await redisClient()))
    await expect(limiter.consume('busy-caller')).resolves.toMatchObject({ remaining: 4 })
  })

  it('is denied when Redis cannot be reached', async () => {
    const limiter = limiterOver(upstashAt(`http://127.0.0.1:${await freePort()}`))
    await expect(limiter.consume('caller')).rejects.toBeInstanceOf(UnavailableError)
  })

  it('is denied when Redis does not answer, whether or not this process was busy meanwhile', async () => {
    await expect(limiterOver(upstashAt(stalledUrl)).consume('caller')).rejects.toBeInstanceOf(
      UnavailableError,
    )
    const busy = limiterOver(busyAfterSending(upstashAt(stalledUrl)))
    await expect(busy.consume('caller')).rejects.toBeInstanceOf(UnavailableError)
  })
})
