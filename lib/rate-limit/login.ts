// Failed logins counted per (login, address) pair, on top of the per-account guesses of guesses.ts.
import { createHash } from 'node:crypto'
import type { Redis } from '@upstash/redis'
import type { LoginLimiter } from '../auth/login.ts'
import { RateLimitedError } from '../errors.ts'
import { type GuessLimiter, redisGuessLimiter } from './guesses.ts'
import { createLimiter, type LimitRule } from './limiter.ts'

/** Five failures per login and address in a quarter of an hour; the per-address limit on the route caps the rest. */
export const loginFailureRule: LimitRule = { name: 'login-failures', limit: 5, window: '15 m' }

// Hashed so that Redis keys carry no email address.
const keyOf = (login: string, ip: string) => `${createHash('sha256').update(login).digest('base64url')}:${ip}`

export function redisLoginLimiter(
  redis: () => Promise<Redis>,
  rule: LimitRule = loginFailureRule,
  guesses: GuessLimiter = redisGuessLimiter(redis),
): LoginLimiter {
  const limiter = createLimiter(redis, rule)
  return {
    admitGuess: (accountKey) => guesses.admit(accountKey),
    clearGuesses: (accountKey) => guesses.clear(accountKey),
    check: (login, ip) => limiter.ensureRemaining(keyOf(login, ip)),
    recordFailure: async (login, ip) => {
      await limiter.consume(keyOf(login, ip)).catch((error: unknown) => {
        // Reaching the limit on this failure is expected; the next attempt is the one refused.
        if (!(error instanceof RateLimitedError)) throw error
      })
    },
  }
}
