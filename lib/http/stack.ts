// The middleware stack every HTTP handler shares.
import middy from '@middy/core'
import httpHeaderNormalizer from '@middy/http-header-normalizer'
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda'
import { isAppError } from '../errors.ts'
import { logger } from '../log.ts'
import { problemResponse } from './problem.ts'

export type HttpEvent = APIGatewayProxyEventV2
export type HttpResult = APIGatewayProxyStructuredResultV2
export type HttpRoute = (event: HttpEvent, context: Context) => Promise<HttpResult>

/** A JSON response with the given status. */
export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  }
}

const problems: middy.MiddlewareObj<HttpEvent, HttpResult> = {
  onError: async (request) => {
    if (!isAppError(request.error) || request.error.status >= 500) {
      logger.error('request failed', {
        error: request.error as Error,
        requestId: request.event.requestContext?.requestId,
      })
    }
    request.response = problemResponse(request.error)
  },
}

export function httpHandler(route: HttpRoute) {
  return middy<HttpEvent, HttpResult>().use(httpHeaderNormalizer()).use(problems).handler(route)
}
