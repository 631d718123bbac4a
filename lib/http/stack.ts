// The middleware stack every HTTP handler shares: logs, headers and the one error handler (API Gateway does CORS).

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'
import middy from '@middy/core'
import httpHeaderNormalizer from '@middy/http-header-normalizer'
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda'
import type { Caller } from '../auth/caller.ts'
import { isAppError } from '../errors.ts'
import { logger } from '../log.ts'
import type { LimitState } from '../rate-limit/limiter.ts'
import { problemResponse } from './problem.ts'
import { requestLog } from './request-log.ts'
import { securityHeaders } from './security-headers.ts'
import type { ParsedInput } from './validate.ts'

export type HttpEvent = APIGatewayProxyEventV2
export type HttpResult = APIGatewayProxyStructuredResultV2

/** What middleware learns about a request and hands on to the route. */
export interface HttpContext extends Context {
  caller?: Caller
  input?: ParsedInput
  rateLimit?: LimitState
}

export type HttpRoute = (event: HttpEvent, context: HttpContext) => Promise<HttpResult>
export type HttpMiddleware = middy.MiddlewareObj<HttpEvent, HttpResult, Error, HttpContext>

/** A JSON response with the given status. */
export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  }
}

export const noContent = (): HttpResult => ({ statusCode: 204, headers: {} })

/**
 * What middleware learns (caller, input, limits) lives on a context of this request's own: a runtime that hands
 * the same context object to two invocations must never carry one caller into the other's request.
 */
const ownContext: HttpMiddleware = {
  before: (request) => {
    request.context = Object.create(request.context) as HttpContext
  },
}

const problems: HttpMiddleware = {
  onError: async (request) => {
    if (!isAppError(request.error) || request.error.status >= 500) {
      logger.error('request failed', { error: request.error as Error })
    }
    request.response = problemResponse(request.error)
  },
}

/**
 * The shared stack with a route's own middleware in between: those run after the shared `before` steps, and
 * their errors reach the problem handler, whose answer still gets the security headers.
 */
export function httpHandler(route: HttpRoute, middleware: readonly HttpMiddleware[] = []) {
  const handler = middy<HttpEvent, HttpResult, Error, HttpContext>()
    .use(ownContext)
    .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
    .use(requestLog())
    .use(httpHeaderNormalizer())
    .use(securityHeaders())
    .use(problems)
  for (const piece of middleware) handler.use(piece)
  return handler.handler(route)
}
