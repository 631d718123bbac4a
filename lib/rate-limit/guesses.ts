// Password guesses per account: counted before the password is checked, atomically, with capped exponential back-off.
import { randomBytes } from 'node:crypto'
import type { Redis } from '@upstash/redis'
import { config } from '../config.ts'
import { RateLimitedError } from '../errors.ts'
import { guarded, type LimitRule } from './limiter.ts'

export interface GuessPolicy {
  /** At most this many guesses at one account are evaluated per window, whatever the addresses they come from. */
  maxGuesses: number
  windowMs: number
  /** Guesses evaluated without waiting; each one past these waits twice as long after the last as the one before. */
  freeGuesses: number
  firstDelayMs: number
  /** No wait is ever longer, so someone guessing cannot keep the owner out for longer than this at a time. */
  maxDelayMs: number
}

/** ASVS 6.3 and NIST SP 800-63B 5.2.2 leave the numbers to us: 10 per quarter hour, waits of 1 s doubling to 15 min. */
export const guessPolicy: GuessPolicy = {
  maxGuesses: 10,
  windowMs: 15 * 60_000,
  freeGuesses: 5,
  firstDelayMs: 1000,
  maxDelayMs: 15 * 60_000,
}

/**
 * KEYS[1]: a sorted set of the account's guesses, scored by time (ms). ARGV: now, window, max, free, first delay,
 * max delay, a unique member. Answers 0 when the guess is counted, else the milliseconds until one may be made.
 * One script, so concurrent guesses are counted one after another and none slips past the count.
 */
const admitScript = `
local now, window, max, free = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local first, cap = tonumber(ARGV[5]), tonumber(ARGV[6])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local made = redis.call('ZCARD', KEYS[1])
if made >= max then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return math.max(1, math.min(cap, tonumber(oldest[2]) + window - now))
end
if made >= free then
  local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  local due = tonumber(last[2]) + math.min(cap, first * 2 ^ (made - free))
  if due > now then return math.ceil(due - now) end
end
redis.call('ZADD', KEYS[1], now, ARGV[7])
redis.call('PEXPIRE', KEYS[1], window)
return 0
`

export interface GuessLimiter {
  /** Counts a guess at the account; throws RateLimitedError (not counted) while it has to wait. */
  admit(accountKey: string, now?: number): Promise<void>
  /** The password was right: the owner starts over. */
  clear(accountKey: string): Promise<void>
}

export function redisGuessLimiter(
  redis: () => Promise<Redis>,
  policy: GuessPolicy = guessPolicy,
): GuessLimiter {
  const keyOf = (accountKey: string) => `${config().STAGE}:rl:login-guesses:${accountKey}`
  const rule: LimitRule = { name: 'login-guesses', limit: policy.maxGuesses, window: `${policy.windowMs}ms` }
  const policyHeaders = { limit: policy.maxGuesses, windowSeconds: policy.windowMs / 1000 }
  let script: ReturnType<Redis['createScript']> | undefined
  const admitting = async () => {
    script ??= (await redis()).createScript(admitScript)
    return script
  }
  return {
    async admit(accountKey, now = Date.now()) {
      const settings = [now, policy.windowMs, policy.maxGuesses, policy.freeGuesses]
      const delays = [policy.firstDelayMs, policy.maxDelayMs]
      const member = `${now}:${randomBytes(6).toString('hex')}`
      const waitMs = await guarded(rule, async () =>
        Number(
          await (await admitting()).exec([keyOf(accountKey)], [...settings, ...delays, member].map(String)),
        ),
      )
      if (waitMs > 0) {
        throw new RateLimitedError(
          'Too many sign-in attempts for this account; retry after the time in Retry-After.',
          Math.ceil(waitMs / 1000),
          policyHeaders,
        )
      }
    },
    async clear(accountKey) {
      await guarded(rule, async () => (await redis()).del(keyOf(accountKey)))
    },
  }
}
