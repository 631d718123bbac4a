import { randomUUID } from 'node:crypto'
import type { Redis } from '@upstash/redis'
import type { Context } from 'aws-lambda'
import { beforeAll, describe, expect, it } from 'vitest'
import { httpEvent } from '../../../infra/local/gateway/events.ts'
import { localIdentity } from '../../../infra/local/gateway/table.ts'
import { type HttpMiddleware, httpHandler, json } from '../../../lib/http/stack.ts'
import { perIp, perUser } from '../../../lib/rate-limit/middleware.ts'
import { redisClient } from '../../../lib/stores/redis.ts'
import { identityApi } from './api.ts'

/** Stands in for authentication: the caller is whoever the test says. */
const as = (userId: string): HttpMiddleware => ({
  before: (request) => {
    request.context.caller = { id: userId, role: 'user', permissions: [], sessionId: randomUUID() }
  },
})

const event = (ip = '10.1.1.1') =>
  httpEvent(
    {
      method: 'POST',
      rawPath: '/friends/x',
      rawQueryString: '',
      rawHeaders: [],
      sourceIp: ip,
      localPort: 3000,
      protocol: 'HTTP/1.1',
    },
    { routeKey: `POST /friends/{userId}` },
    localIdentity(process.env),
  )
const context = {} as Context
const ok = async () => json(201, { sent: true })

// Sets the environment the identity handlers need, which these limiters read too.
beforeAll(async () => {
  await identityApi()
})

describe('perUser(10, "1 m"): at most 10 requests a minute per signed-in user', () => {
  it('lets 10 requests a minute through for one user, then answers 429 with Retry-After and RateLimit-*', async () => {
    const userId = randomUUID()
    const handler = httpHandler(ok, [as(userId), perUser(10, '1 m', { bucket: `friends-${userId}` })])
    const statuses: number[] = []
    for (let i = 0; i < 10; i++) statuses.push((await handler(event(), context)).statusCode ?? 0)
    expect(statuses.every((status) => status === 201)).toBe(true)
    const limited = await handler(event(), context)
    expect(limited.statusCode).toBe(429)
    const headers = limited.headers ?? {}
    expect(Number(headers['retry-after'])).toBeGreaterThanOrEqual(1)
    expect(Number(headers['retry-after'])).toBeLessThanOrEqual(60)
    expect(headers).toMatchObject({
      'ratelimit-limit': '10',
      'ratelimit-remaining': '0',
      'ratelimit-policy': '10;w=60',
    })
    expect(JSON.parse(limited.body ?? '{}')).toMatchObject({ status: 429, code: 'rate_limited' })
  })

  it('counts each user separately', async () => {
    const bucket = `friends-${randomUUID()}`
    const first = httpHandler(ok, [as(randomUUID()), perUser(1, '1 m', { bucket })])
    const second = httpHandler(ok, [as(randomUUID()), perUser(1, '1 m', { bucket })])
    expect((await first(event(), context)).statusCode).toBe(201)
    expect((await first(event(), context)).statusCode).toBe(429)
    expect((await second(event(), context)).statusCode).toBe(201)
  })
})

describe('a limiter that cannot answer', () => {
  const failing = async (): Promise<Redis> =>
    ({
      evalsha: async () => {
        throw new Error('ECONNREFUSED')
      },
    }) as unknown as Redis
  const silent = async (): Promise<Redis> => ({ evalsha: () => new Promise(() => {}) }) as unknown as Redis

  it('denies with 503 when Redis fails, and when it does not answer in time', async () => {
    for (const redis of [failing, silent]) {
      const handler = httpHandler(ok, [perIp(100, '1 m', { redis, bucket: `down-${randomUUID()}` })])
      const response = await handler(event(), context)
      expect(response.statusCode).toBe(503)
      expect(response.body).not.toContain('ECONNREFUSED')
    }
  })

  it('answers normally when Redis is there', async () => {
    await redisClient()
    const handler = httpHandler(ok, [perIp(100, '1 m', { bucket: `up-${randomUUID()}` })])
    expect((await handler(event(), context)).statusCode).toBe(201)
  })
})
