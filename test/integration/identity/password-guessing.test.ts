// Password guessing: at most 10 evaluated guesses per account per quarter hour, whatever the addresses, counted first.
import { randomUUID } from 'node:crypto'
import type { Db } from 'mongodb'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import type { AuditDocument } from '../../../lib/audit/log.ts'
import { collections } from '../../../lib/migrations/mongo.ts'
import { guessPolicy, redisGuessLimiter } from '../../../lib/rate-limit/guesses.ts'
import { mongoDb } from '../../../lib/stores/mongo.ts'
import { redisClient } from '../../../lib/stores/redis.ts'
import { type Call, freshIp, identityApi, newUser, signUp } from './api.ts'

let call: Call
let db: Db
beforeAll(async () => {
  call = await identityApi()
  db = await mongoDb()
})

const guess = (login: string, password: string, ip = freshIp()) =>
  call({ method: 'POST', path: '/auth/login', ip, body: { login, password } })

describe('guesses at one account', () => {
  it('evaluates at most 10 from 10 addresses, then refuses even the right password with 429 and Retry-After', async () => {
    const victim = await signUp(call, newUser('guessed'))
    const statuses: number[] = []
    // The clock stands still through the guesses: a stalled machine would otherwise see a back-off wait pass before
    // the right password, which is then rightly let in (only Date is faked; timers and I/O run as ever).
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() })
    let right: Awaited<ReturnType<typeof guess>>
    try {
      for (let address = 0; address < 10; address++) {
        const ip = freshIp()
        for (let i = 0; i < 6; i++)
          statuses.push((await guess(victim.username, `guess ${address}/${i}`, ip)).status)
      }
      right = await guess(victim.email, victim.password)
    } finally {
      vi.useRealTimers()
    }
    const evaluated = statuses.filter((status) => status === 401).length
    expect(evaluated).toBeLessThanOrEqual(guessPolicy.maxGuesses)
    expect(statuses.filter((status) => status !== 401 && status !== 429)).toEqual([])

    expect(right.status).toBe(429)
    const retryAfter = Number(right.headers['retry-after'])
    expect(retryAfter).toBeGreaterThan(0)
    expect(retryAfter).toBeLessThanOrEqual(guessPolicy.maxDelayMs / 1000)

    const refusals = await db
      .collection<AuditDocument>(collections.auditLog)
      .find({ action: 'auth.login', outcome: 'denied', 'details.login': victim.username.toLowerCase() })
      .toArray()
    expect(refusals.some((entry) => entry.details?.reason === 'account_backoff')).toBe(true)
  })

  it('counts concurrent guesses before any is checked, so a burst cannot slip through', async () => {
    const victim = await signUp(call, newUser('burst'))
    const ip = freshIp()
    const started = Date.now()
    const statuses = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        guess(victim.username, `burst guess ${i}`, ip).then((r) => r.status),
      ),
    )
    // A busy machine can spread the burst over seconds, and then the back-off rightly lets a guess through each
    // time a wait (1 s, 2 s, 4 s...) has passed: those, and no more, may be evaluated beyond the free ones.
    const elapsed = Date.now() - started
    const waitsOver = Math.floor(Math.log2(elapsed / guessPolicy.firstDelayMs + 1))
    const evaluated = guessPolicy.freeGuesses + waitsOver
    expect(statuses.filter((status) => status === 401).length).toBeLessThanOrEqual(evaluated)
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(25 - evaluated)
  })

  it('lets the owner in once the short wait after a few failures is over', async () => {
    const owner = await signUp(call, newUser('owner'))
    for (let i = 0; i < guessPolicy.freeGuesses; i++)
      expect((await guess(owner.username, `typo ${i} typo`)).status).toBe(401)
    let response = await guess(owner.username, owner.password)
    if (response.status === 429) {
      expect(Number(response.headers['retry-after'])).toBe(guessPolicy.firstDelayMs / 1000)
      await new Promise((resolve) => setTimeout(resolve, guessPolicy.firstDelayMs + 50))
      response = await guess(owner.username, owner.password)
    }
    expect(response.status).toBe(200)
    // The right password starts the count over.
    expect((await guess(owner.username, 'one more typo')).status).toBe(401)
  })
})

describe('the back-off', () => {
  const limiter = () => redisGuessLimiter(redisClient)
  const waitOf = async (admit: Promise<void>) =>
    admit.then(
      () => 0,
      (error: { retryAfterSeconds?: number }) => (error.retryAfterSeconds ?? Number.NaN) * 1000,
    )

  it('doubles each wait after the free guesses, caps it, and admits 10 per window however patient the guesser', async () => {
    const guesses = limiter()
    const account = `test:${randomUUID()}`
    let now = Date.UTC(2030, 0, 1)
    const admittedAt: number[] = []
    const waits: number[] = []
    while (now < Date.UTC(2030, 0, 1) + 2 * guessPolicy.windowMs) {
      const wait = await waitOf(guesses.admit(account, now))
      if (wait === 0) admittedAt.push(now)
      else waits.push(wait)
      expect(wait).toBeLessThanOrEqual(guessPolicy.maxDelayMs)
      now += Math.max(wait, 1)
    }
    for (const at of admittedAt) {
      const inWindow = admittedAt.filter((other) => other >= at && other < at + guessPolicy.windowMs)
      expect(inWindow.length).toBeLessThanOrEqual(guessPolicy.maxGuesses)
    }
    expect(admittedAt.length).toBeGreaterThanOrEqual(guessPolicy.maxGuesses)
    expect(waits.slice(0, 5)).toEqual([1000, 2000, 4000, 8000, 16_000])
  })

  it('starts over once cleared', async () => {
    const guesses = limiter()
    const account = `test:${randomUUID()}`
    const now = Date.now()
    for (let i = 0; i < guessPolicy.freeGuesses; i++) await guesses.admit(account, now)
    expect(await waitOf(guesses.admit(account, now))).toBeGreaterThan(0)
    await guesses.clear(account)
    expect(await waitOf(guesses.admit(account, now))).toBe(0)
  })
})
