// Sliding-window limits in Redis (@upstash/ratelimit), failing closed: a limiter that cannot answer denies.
import { type Duration, Ratelimit } from '@upstash/ratelimit'
import type { Redis } from '@upstash/redis'
import { config } from '../config.ts'
import { RateLimitedError, type RateLimitPolicy, UnavailableError } from '../errors.ts'
import { logger } from '../log.ts'

export type { Duration }

export interface LimitRule {
  /** Names the Redis keys; rules with the same name share their counts. */
  name: string
  limit: number
  window: Duration
}

/** Where a caller stands after a check, for the RateLimit-* headers of a successful response. */
export interface LimitState extends RateLimitPolicy {
  remaining: number
  resetSeconds: number
}

export interface Limiter {
  /** Counts one request against `identifier`; throws RateLimitedError once the window is used up. */
  consume(identifier: string): Promise<LimitState>
  /** Throws RateLimitedError when nothing is left, without counting this request. */
  ensureRemaining(identifier: string): Promise<void>
}

const unitSeconds = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 } as const

export function windowSeconds(window: Duration): number {
  const match = /^(\d+(?:\.\d+)?) ?(ms|s|m|h|d|w)$/.exec(window)
  if (!match) throw new Error(`not a window: ${window}`)
  return Math.max(1, Math.round(Number(match[1]) * unitSeconds[match[2] as keyof typeof unitSeconds]))
}

/** Upstash lets a request through when Redis times out; here a timeout is a fault, and faults deny. The deadline
 * counts only time this process spent idle, waiting: while its event loop was busy (a saturated runtime, a long
 * synchronous task) the answer may have been there unread, which says nothing against Redis. */
export async function guarded<T>(rule: LimitRule, work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeoutMs = config().RATE_LIMIT_TIMEOUT_MS
  const since = performance.eventLoopUtilization()
  const deadline = new Promise<never>((_, reject) => {
    const check = () => {
      const waited = performance.eventLoopUtilization(since).idle
      if (waited >= timeoutMs) reject(new Error(`no answer after waiting ${timeoutMs} ms`))
      else timer = setTimeout(check, timeoutMs - waited)
    }
    timer = setTimeout(check, timeoutMs)
  })
  try {
    return await Promise.race([work(), deadline])
  } catch (error) {
    logger.error('rate limiter unavailable', { rule: rule.name, error: error as Error })
    throw new UnavailableError('Rate limiting is unavailable, so the request was refused; retry shortly.', {
      cause: error,
    })
  } finally {
    clearTimeout(timer)
  }
}

export function createLimiter(redis: () => Promise<Redis>, rule: LimitRule): Limiter {
  const policy = { limit: rule.limit, windowSeconds: windowSeconds(rule.window) }
  let ratelimit: Ratelimit | undefined
  const instance = async () => {
    ratelimit ??= new Ratelimit({
      redis: await redis(),
      limiter: Ratelimit.slidingWindow(rule.limit, rule.window),
      // Stages (and test runs) sharing one Redis keep their own counts.
      prefix: `${config().STAGE}:rl:${rule.name}`,
      timeout: 0,
      analytics: false,
    })
    return ratelimit
  }
  const secondsUntil = (reset: number) => Math.max(1, Math.ceil((reset - Date.now()) / 1000))
  const limited = (reset: number) =>
    new RateLimitedError(
      'Too many requests; retry after the time in Retry-After.',
      secondsUntil(reset),
      policy,
    )

  return {
    async consume(identifier) {
      const result = await guarded(rule, async () => (await instance()).limit(identifier))
      if (!result.success) throw limited(result.reset)
      return { ...policy, remaining: result.remaining, resetSeconds: secondsUntil(result.reset) }
    },
    async ensureRemaining(identifier) {
      const state = await guarded(rule, async () => (await instance()).getRemaining(identifier))
      if (state.remaining <= 0) throw limited(state.reset)
    },
  }
}
