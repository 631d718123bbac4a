// One structured log line per request, keyed by API Gateway's request id; never a body, header or token.
import type middy from '@middy/core'
import { logger } from '../log.ts'
import type { HttpContext, HttpEvent, HttpResult } from './stack.ts'

const startedAt = Symbol('startedAt')

export function requestLog(): middy.MiddlewareObj<HttpEvent, HttpResult, Error, HttpContext> {
  const done = (request: middy.Request<HttpEvent, HttpResult, Error, HttpContext>) => {
    const started = (request.internal as Record<symbol, number>)[startedAt] ?? performance.now()
    logger.info('request', {
      status: request.response?.statusCode,
      durationMs: Math.round(performance.now() - started),
      userId: request.context.caller?.id,
    })
  }
  return {
    before: (request) => {
      ;(request.internal as Record<symbol, number>)[startedAt] = performance.now()
      const { requestContext, routeKey } = request.event
      logger.setCorrelationId(requestContext?.requestId)
      logger.appendKeys({ route: routeKey, sourceIp: requestContext?.http?.sourceIp })
    },
    after: done,
    onError: done,
  }
}
