import { describe, expect, it } from 'vitest'
import {
  InvalidError,
  NotFoundError,
  RateLimitedError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
} from '../../lib/errors.ts'
import { problemResponse } from '../../lib/http/problem.ts'

const bodyOf = (response: { body?: string }) => JSON.parse(response.body ?? '{}')

describe('problem details', () => {
  it('maps a typed error to its status with an RFC 9457 document', () => {
    const response = problemResponse(new NotFoundError('No such user.'))
    expect(response.statusCode).toBe(404)
    expect(response.headers?.['content-type']).toBe('application/problem+json')
    expect(bodyOf(response)).toEqual({
      type: 'https://chat-service.dev/problems/not_found',
      title: 'Not found',
      status: 404,
      detail: 'No such user.',
      code: 'not_found',
    })
  })

  it('lists field errors of a validation failure', () => {
    const response = problemResponse(
      new InvalidError('Invalid body.', [{ path: 'email', message: 'Required' }]),
    )
    expect(bodyOf(response).errors).toEqual([{ path: 'email', message: 'Required' }])
  })

  it('tells a limited client when to retry', () => {
    const response = problemResponse(new RateLimitedError('Slow down.', 42))
    expect(response.statusCode).toBe(429)
    expect(response.headers?.['retry-after']).toBe('42')
  })

  it('turns an unknown error into a generic 500 that leaks nothing', () => {
    const response = problemResponse(new Error('relation "users" does not exist at /var/task/index.js:1'))
    expect(response.statusCode).toBe(500)
    expect(response.body).not.toContain('users')
    expect(response.body).not.toContain('index.js')
  })

  it('adds the RateLimit-* fields when the limit that was hit is known', () => {
    const response = problemResponse(new RateLimitedError('Slow down.', 12, { limit: 10, windowSeconds: 60 }))
    expect(response.headers).toMatchObject({
      'retry-after': '12',
      'ratelimit-limit': '10',
      'ratelimit-remaining': '0',
      'ratelimit-reset': '12',
      'ratelimit-policy': '10;w=60',
    })
  })

  it('challenges for a bearer token on 401', () => {
    const response = problemResponse(new UnauthorizedError('No token.'))
    expect(response.statusCode).toBe(401)
    expect(response.headers?.['www-authenticate']).toMatch(/^Bearer /)
  })

  it('answers a body of the wrong media type with 415', () => {
    expect(problemResponse(new UnsupportedMediaTypeError('Send JSON.')).statusCode).toBe(415)
  })
})
