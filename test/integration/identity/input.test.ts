import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUsersHandler } from '../../../functions/http/users.ts'
import { httpRoutes } from '../../../infra/routes.ts'
import { mongoStoreDeps } from '../../../lib/http/mongo-deps.ts'
import { closeMongo } from '../../../lib/stores/mongo.ts'
import { closePostgres, postgresClient } from '../../../lib/stores/postgres.ts'
import { type Call, identityApi, newUser, type Request, signUp } from './api.ts'

const allowedOrigin = 'https://app.chat.example'
let call: Call
let user: Awaited<ReturnType<typeof signUp>>
let admin: Awaited<ReturnType<typeof signUp>>

beforeAll(async () => {
  process.env.ALLOWED_ORIGINS = allowedOrigin
  call = await identityApi()
  user = await signUp(call, newUser('input'))
  admin = await signUp(call, newUser('inputadm'))
  const sql = await postgresClient()
  await sql`update users set role = 'admin' where id = ${admin.session.user.id}`
})
afterAll(async () => {
  await Promise.all([closePostgres(), closeMongo()])
})

const signup = (body: unknown, headers?: Record<string, string>): Request => ({
  method: 'POST',
  path: '/auth/signup',
  body,
  ...(headers ? { headers } : {}),
})

describe('malformed input gets a 4xx problem document naming the problem', () => {
  it('malformed JSON', async () => {
    const response = await call(signup('{"email": "a@b.c",'))
    expect(response.status).toBe(400)
    expect(response.headers['content-type']).toBe('application/problem+json')
    expect(response.body.detail).toMatch(/not valid JSON/)
  })

  it('wrong types', async () => {
    const response = await call(signup({ ...newUser(), email: 42, username: ['x'] }))
    expect(response.status).toBe(400)
    expect(response.body.errors?.map((error) => error.path).sort()).toEqual(['body.email', 'body.username'])
  })

  it('missing fields', async () => {
    const response = await call(signup({ email: 'someone@example.com' }))
    expect(response.status).toBe(400)
    expect(response.body.errors?.map((error) => error.path).sort()).toEqual([
      'body.password',
      'body.username',
    ])
    expect(response.body.detail).toContain('body.password')
  })

  it('unknown fields, including ones shaped like MongoDB operators or prototype keys', async () => {
    const response = await call(
      signup(
        `{"email":"x@example.com","username":"someone_new","password":"long enough one","role":"admin","$where":"1","__proto__":{"admin":true}}`,
      ),
    )
    expect(response.status).toBe(400)
    expect(response.body.errors).toEqual(
      expect.arrayContaining([
        { path: 'body.role', message: 'is not a known field' },
        { path: 'body.$where', message: 'is not a known field' },
        { path: 'body.__proto__', message: 'is not a known field' },
      ]),
    )
  })

  it('a body over the limit', async () => {
    const response = await call(signup({ ...newUser(), displayName: 'x'.repeat(20_000) }))
    expect(response.status).toBe(413)
    expect(response.body.detail).toMatch(/at most 16384/)
  })

  it('a body that is not JSON by its media type, and a missing body', async () => {
    expect(
      (await call(signup('email=a', { 'content-type': 'application/x-www-form-urlencoded' }))).status,
    ).toBe(415)
    expect((await call({ method: 'POST', path: '/auth/login' })).status).toBe(400)
  })

  it('a NUL character, which PostgreSQL could not store', async () => {
    const response = await call({
      method: 'POST',
      path: '/auth/login',
      body: { login: 'a\u0000b', password: 'whatever it is' },
    })
    expect(response.status).toBe(400)
    expect(response.body.errors?.[0]?.path).toBe('body.login')
  })
})

describe('every response', () => {
  it('carries the security headers, on success and on error', async () => {
    for (const response of [
      await call({ method: 'GET', path: '/users/me', token: user.session.accessToken }),
      await call({ method: 'GET', path: '/users/me' }),
    ]) {
      expect(response.headers).toMatchObject({
        'content-security-policy': expect.stringContaining("frame-ancestors 'none'"),
        'strict-transport-security': expect.stringMatching(/max-age=\d+; includeSubDomains/),
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
        'cache-control': 'no-store',
      })
    }
  })

  it('leaves CORS to API Gateway: the function sets no access-control header, even for a listed origin', async () => {
    const response = await call({
      method: 'GET',
      path: '/users/me',
      token: user.session.accessToken,
      headers: { origin: allowedOrigin },
    })
    expect(response.status).toBe(200)
    expect(Object.keys(response.headers).filter((name) => name.startsWith('access-control-'))).toEqual([])
  })

  it('tells the caller where it stands against the per-user API limit', async () => {
    const response = await call({ method: 'GET', path: '/users/me', token: user.session.accessToken })
    expect(response.headers['ratelimit-limit']).toBe('300')
    expect(Number(response.headers['ratelimit-remaining'])).toBeLessThan(300)
  })

  it('answers a route its function does not serve with a 404 problem', async () => {
    const users = createUsersHandler(mongoStoreDeps)
    const { httpEvent } = await import('../../../infra/local/gateway/events.ts')
    const event = httpEvent(
      {
        method: 'GET',
        rawPath: '/nowhere',
        rawQueryString: '',
        rawHeaders: [],
        sourceIp: '10.9.9.8',
        localPort: 3000,
        protocol: 'HTTP/1.1',
      },
      { routeKey: 'GET /nowhere' },
      { accountId: '1', region: 'us-east-1', httpApiId: 'h', wsApiId: 'w', wsStage: 'local' },
    )
    const result = await users(event, {} as never)
    expect(result.statusCode).toBe(404)
    expect(result.headers?.['content-type']).toBe('application/problem+json')
  })

  it('hides a store failure behind a generic 500 that leaks nothing', async () => {
    const broken = createUsersHandler({
      ...mongoStoreDeps,
      sql: async () => {
        throw new Error('connect ECONNREFUSED postgres://chat:hunter2@10.0.0.1:5432')
      },
    })
    const { httpEvent } = await import('../../../infra/local/gateway/events.ts')
    const event = httpEvent(
      {
        method: 'GET',
        rawPath: '/users/me',
        rawQueryString: '',
        rawHeaders: ['authorization', `Bearer ${user.session.accessToken}`],
        sourceIp: '10.9.9.9',
        localPort: 3000,
        protocol: 'HTTP/1.1',
      },
      { routeKey: 'GET /users/me' },
      { accountId: '1', region: 'us-east-1', httpApiId: 'h', wsApiId: 'w', wsStage: 'local' },
    )
    const result = await broken(event, {} as never)
    expect(result.statusCode).toBe(500)
    expect(result.body).not.toMatch(/hunter2|ECONNREFUSED|at .*\.ts/)
  })
})

describe('random input', () => {
  const identityRoutes = httpRoutes.filter((route) => ['auth', 'users', 'admin'].includes(route.function))
  const fieldNames = [
    'email',
    'username',
    'password',
    'displayName',
    'login',
    'refreshToken',
    'currentPassword',
    'newPassword',
    'role',
    'status',
    '$gt',
    '__proto__',
  ]
  const anyText = fc.string({ maxLength: 80, unit: 'binary' })
  // Well-formed values too, so that some runs get past validation into the domain and the stores.
  const plausible = fc.record(
    {
      email: fc.emailAddress(),
      username: fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{2,31}$/),
      password: fc.string({ minLength: 8, maxLength: 40, unit: 'binary' }),
      displayName: anyText,
      login: fc.oneof(fc.emailAddress(), fc.stringMatching(/^[a-z][a-z0-9_]{2,12}$/)),
      refreshToken: fc.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      currentPassword: anyText,
      newPassword: fc.string({ minLength: 8, maxLength: 40 }),
      role: fc.constantFrom('user', 'admin', 'root'),
      status: fc.constantFrom('active', 'disabled', 'deleted'),
    },
    { requiredKeys: [] },
  )
  const body = fc.oneof(
    fc.constant(undefined),
    plausible,
    anyText.map((text) => Buffer.from(text)),
    fc.jsonValue({ maxDepth: 3 }),
    fc.dictionary(fc.constantFrom(...fieldNames), fc.oneof(anyText, fc.jsonValue({ maxDepth: 2 })), {
      maxKeys: 5,
    }),
  )
  const query = fc.oneof(
    fc.dictionary(fc.constantFrom('q', 'cursor', 'limit', 'status', 'x'), anyText, { maxKeys: 3 }),
    fc.record(
      {
        q: fc.string({ minLength: 1, maxLength: 10 }),
        limit: fc.integer({ min: -5, max: 120 }).map(String),
        cursor: fc.base64String({ maxLength: 60 }),
        status: fc.constantFrom('active', 'disabled', 'deleted'),
      },
      { requiredKeys: [] },
    ),
  )
  const pathParameter = fc.oneof(fc.uuid(), fc.string({ minLength: 1, maxLength: 40, unit: 'binary' }))
  const contentType = fc.constantFrom(
    'application/json',
    'text/plain',
    'application/merge-patch+json; charset=utf-8',
    '',
  )

  it('never gets a 5xx, and every error is a problem document', async () => {
    const tokens = [undefined, 'garbage.token.value', user.session.accessToken, admin.session.accessToken]
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...identityRoutes),
        body,
        query,
        pathParameter,
        contentType,
        fc.constantFrom(...tokens.keys()),
        async (route, payload, params, id, type, tokenIndex) => {
          const path = route.path.replace('{id}', encodeURIComponent(id))
          const search = new URLSearchParams(params).toString()
          // Deleting the shared user would only turn later runs into 401s; that route gets no valid token.
          const token = route.method === 'DELETE' ? undefined : tokens[tokenIndex]
          const response = await call({
            method: route.method,
            path: search ? `${path}?${search}` : path,
            body: payload,
            ...(token ? { token } : {}),
            headers: type ? { 'content-type': type } : {},
          })
          expect(response.status, `${route.method} ${path}`).toBeLessThan(500)
          if (response.status >= 400) {
            expect(response.headers['content-type']).toBe('application/problem+json')
            expect(response.body.status).toBe(response.status)
            expect(typeof response.body.detail).toBe('string')
          }
        },
      ),
      { numRuns: 400 },
    )
  }, 60_000)
})
