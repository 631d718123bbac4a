// CORS for the origins in ALLOWED_ORIGINS (none: no CORS headers), read when the first request arrives.
import type middy from '@middy/core'
import httpCors from '@middy/http-cors'
import { config } from '../config.ts'
import type { HttpContext, HttpEvent, HttpResult } from './stack.ts'

export const exposedHeaders = [
  'retry-after',
  'ratelimit-limit',
  'ratelimit-remaining',
  'ratelimit-reset',
  'ratelimit-policy',
]

/** A broken configuration is the problem handler's to report; its 500 goes out without CORS headers. */
function allowedOrigins(): string[] {
  try {
    return config().ALLOWED_ORIGINS
  } catch {
    return []
  }
}

export function cors(): middy.MiddlewareObj<HttpEvent, HttpResult, Error, HttpContext> {
  let middleware: ReturnType<typeof httpCors> | undefined
  const instance = () => {
    if (middleware || allowedOrigins().length === 0) return middleware
    // The answer depends on the request's Origin even for one allowed origin, so caches must vary on it;
    // middy supports `vary` though its typings omit it.
    const options: Record<string, unknown> = {
      origins: allowedOrigins(),
      headers: 'authorization,content-type',
      methods: 'GET,POST,PUT,PATCH,DELETE',
      exposeHeaders: exposedHeaders.join(','),
      maxAge: 600,
      vary: 'Origin',
    }
    middleware = httpCors(options)
    return middleware
  }
  return {
    after: (request) => instance()?.after?.(request as never),
    onError: (request) => instance()?.onError?.(request as never),
  }
}
