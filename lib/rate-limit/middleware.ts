// Rate limits as route middleware: per client address, or per signed-in user.
import type middy from '@middy/core'
import type { Redis } from '@upstash/redis'
import type { HttpContext, HttpEvent, HttpResult } from '../http/stack.ts'
import { redisClient } from '../stores/redis.ts'
import { createLimiter, type Duration, type LimitState } from './limiter.ts'

type Middleware = middy.MiddlewareObj<HttpEvent, HttpResult, Error, HttpContext>
type Request = middy.Request<HttpEvent, HttpResult, Error, HttpContext>

export interface LimitOptions {
  /** Requests counted under the same bucket share one allowance; by default each route has its own. */
  bucket?: string
  redis?: () => Promise<Redis>
}

/** Successful responses carry the tightest limit the request was counted against. */
function advertise(request: Request, state: LimitState) {
  const current = request.context.rateLimit
  if (!current || state.remaining < current.remaining) request.context.rateLimit = state
}

function limitBy(
  limit: number,
  window: Duration,
  options: LimitOptions,
  scope: string,
  identify: (request: Request) => string,
): Middleware {
  const limiters = new Map<string, ReturnType<typeof createLimiter>>()
  const limiterFor = (bucket: string) => {
    const name = `${scope}:${bucket}:${limit}/${window}`
    let limiter = limiters.get(name)
    if (!limiter) {
      limiter = createLimiter(options.redis ?? redisClient, { name, limit, window })
      limiters.set(name, limiter)
    }
    return limiter
  }
  return {
    before: async (request) => {
      const bucket = options.bucket ?? request.event.routeKey
      advertise(request, await limiterFor(bucket).consume(identify(request)))
    },
    after: (request) => {
      const state = request.context.rateLimit
      if (!state || !request.response) return
      request.response.headers = {
        ...request.response.headers,
        'ratelimit-limit': String(state.limit),
        'ratelimit-remaining': String(state.remaining),
        'ratelimit-reset': String(state.resetSeconds),
        'ratelimit-policy': `${state.limit};w=${state.windowSeconds}`,
      }
    },
  }
}

/** At most `limit` requests per `window` from one client address (API Gateway's sourceIp). */
export function perIp(limit: number, window: Duration, options: LimitOptions = {}): Middleware {
  return limitBy(limit, window, options, 'ip', (request) => request.event.requestContext.http.sourceIp)
}

/**
 * At most `limit` requests per `window` from one signed-in user, e.g. `perUser(10, '1 m')` on friend requests.
 * Place it after authentication: it counts against the verified caller, never a client-supplied id.
 */
export function perUser(limit: number, window: Duration, options: LimitOptions = {}): Middleware {
  return limitBy(limit, window, options, 'user', (request) => {
    const caller = request.context.caller
    if (!caller) throw new Error('perUser needs an authenticated caller; place it after authentication')
    return caller.id
  })
}
