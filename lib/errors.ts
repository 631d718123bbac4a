// Typed failures thrown by lib/: each knows its HTTP status and the code clients see.
import type { ErrorCode } from './protocol/problem.ts'

export abstract class AppError extends Error {
  abstract readonly status: number
  abstract readonly code: ErrorCode
  abstract readonly title: string
}

export interface FieldError {
  path: string
  message: string
}

export class InvalidError extends AppError {
  override readonly name = 'InvalidError'
  readonly status = 400
  readonly code = 'invalid_request'
  readonly title = 'Invalid request'
  constructor(
    message: string,
    readonly errors: FieldError[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options)
  }
}

export class UnauthorizedError extends AppError {
  override readonly name = 'UnauthorizedError'
  readonly status = 401
  readonly code = 'unauthorized'
  readonly title = 'Unauthorized'
}

export class ForbiddenError extends AppError {
  override readonly name = 'ForbiddenError'
  readonly status = 403
  readonly code = 'forbidden'
  readonly title = 'Forbidden'
}

/** An account whose address is not verified yet asked for something only verified accounts may do. */
export class EmailUnverifiedError extends AppError {
  override readonly name = 'EmailUnverifiedError'
  readonly status = 403
  readonly code = 'email_unverified'
  readonly title = 'Email address not verified'
}

export class NotFoundError extends AppError {
  override readonly name = 'NotFoundError'
  readonly status = 404
  readonly code = 'not_found'
  readonly title = 'Not found'
}

export class ConflictError extends AppError {
  override readonly name = 'ConflictError'
  readonly status = 409
  readonly code = 'conflict'
  readonly title = 'Conflict'
}

/** A sync cursor older than the retention period, or not one this service issued: resync from history. */
export class CursorExpiredError extends AppError {
  override readonly name = 'CursorExpiredError'
  readonly status = 410
  readonly code = 'cursor_expired'
  readonly title = 'Cursor expired'
}

export class PayloadTooLargeError extends AppError {
  override readonly name = 'PayloadTooLargeError'
  readonly status = 413
  readonly code = 'payload_too_large'
  readonly title = 'Payload too large'
}

export class UnsupportedMediaTypeError extends AppError {
  override readonly name = 'UnsupportedMediaTypeError'
  readonly status = 415
  readonly code = 'unsupported_media_type'
  readonly title = 'Unsupported media type'
}

/** The limit that was hit, for the RateLimit-* response headers. */
export interface RateLimitPolicy {
  limit: number
  windowSeconds: number
}

export class RateLimitedError extends AppError {
  override readonly name = 'RateLimitedError'
  readonly status = 429
  readonly code = 'rate_limited'
  readonly title = 'Too many requests'
  /** When to try again, to the millisecond: what a WebSocket `error` frame carries as `retryAfterMs`. */
  readonly retryAfterMs: number
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    readonly policy?: RateLimitPolicy,
    retryAfterMs?: number,
  ) {
    super(message)
    this.retryAfterMs = retryAfterMs ?? retryAfterSeconds * 1000
  }
}

export class UnavailableError extends AppError {
  override readonly name = 'UnavailableError'
  readonly status = 503
  readonly code = 'unavailable'
  readonly title = 'Service unavailable'
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError
}
