// RFC 9457 problem details: the one place where errors become HTTP responses.
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda'
import { type AppError, InvalidError, isAppError, RateLimitedError, UnauthorizedError } from '../errors.ts'

export interface Problem {
  type: string
  title: string
  status: number
  detail: string
  code: string
  errors?: { path: string; message: string }[]
}

const typeBase = 'https://chat-service.dev/problems/'

function problemOf(error: AppError): Problem {
  const problem: Problem = {
    type: `${typeBase}${error.code}`,
    title: error.title,
    status: error.status,
    detail: error.message,
    code: error.code,
  }
  if (error instanceof InvalidError && error.errors.length > 0) problem.errors = error.errors
  return problem
}

const internal: Problem = {
  type: `${typeBase}internal`,
  title: 'Internal error',
  status: 500,
  detail: 'The request could not be completed. It has been logged.',
  code: 'internal',
}

/** Known errors keep their status and message; anything else is a generic 500 with nothing leaked. */
export function problemResponse(error: unknown): APIGatewayProxyStructuredResultV2 {
  const problem = isAppError(error) ? problemOf(error) : internal
  const headers: Record<string, string> = { 'content-type': 'application/problem+json' }
  if (error instanceof RateLimitedError) Object.assign(headers, rateLimitHeaders(error))
  if (error instanceof UnauthorizedError) headers['www-authenticate'] = 'Bearer realm="chat-service"'
  return { statusCode: problem.status, headers, body: JSON.stringify(problem) }
}

/** Retry-After plus the IETF draft RateLimit-* fields, so clients can back off without guessing. */
function rateLimitHeaders(error: RateLimitedError): Record<string, string> {
  const headers: Record<string, string> = { 'retry-after': String(error.retryAfterSeconds) }
  if (error.policy) {
    headers['ratelimit-limit'] = String(error.policy.limit)
    headers['ratelimit-remaining'] = '0'
    headers['ratelimit-reset'] = String(error.retryAfterSeconds)
    headers['ratelimit-policy'] = `${error.policy.limit};w=${error.policy.windowSeconds}`
  }
  return headers
}
