// Calls the identity handlers as API Gateway would, with events from the local gateway's own builder.
import { randomBytes } from 'node:crypto'
import type { Context } from 'aws-lambda'
import { createAdminHandler } from '../../../functions/http/admin.ts'
import { createAuthHandler } from '../../../functions/http/auth.ts'
import { createUsersHandler } from '../../../functions/http/users.ts'
import { httpEvent } from '../../../infra/local/gateway/events.ts'
import { httpRouter } from '../../../infra/local/gateway/http-routes.ts'
import { localIdentity } from '../../../infra/local/gateway/table.ts'
import { httpRoutes } from '../../../infra/routes.ts'
import { mongoStoreDeps } from '../../../lib/http/mongo-deps.ts'
import type { LambdaHandler } from '../../../lib/http/route.ts'
import { lastMailTo, linkToken } from '../../mailbox.ts'

export interface Request {
  method: string
  path: string
  /** An object is sent as JSON; a string or Buffer is sent as it is. */
  body?: unknown
  token?: string
  ip?: string
  headers?: Record<string, string>
}

export interface Response<T> {
  status: number
  headers: Record<string, string>
  body: T
}

export interface ProblemBody {
  type: string
  title: string
  status: number
  detail: string
  code: string
  errors?: { path: string; message: string }[]
}

export interface SessionBody {
  user: { id: string; email: string; username: string; displayName: string; role: string }
  accessToken: string
  refreshToken: string
  expiresIn: number
}

/** A fresh private address per caller, so one test's rate limits never touch another's. */
export const freshIp = () => `10.${[1, 2, 3].map(() => randomBytes(1)[0]).join('.')}`

const route = httpRouter(httpRoutes)
const lambdaContext = {
  functionName: 'identity-test',
  awsRequestId: 'test',
  // Each Lambda invocation has a process of its own; here a test runs a hundred at once in one process, queued
  // behind each other's Argon2 hashes and store round trips, so each gets far longer than a function's timeout
  // before middy answers 500 on its behalf (which a busy machine made happen with 15 s).
  getRemainingTimeInMillis: () => 120_000,
} as unknown as Context

/** The handlers wired to the real stores the test setup started. */
export async function identityApi() {
  return apiOver({
    auth: createAuthHandler(mongoStoreDeps),
    users: createUsersHandler(mongoStoreDeps),
    admin: createAdminHandler(mongoStoreDeps),
  })
}

/** Calls whichever of `handlers` the route table names for a request, with the event API Gateway would send. */
export function apiOver(handlers: Record<string, LambdaHandler>) {
  return async function call<T = ProblemBody>(request: Request): Promise<Response<T>> {
    const [rawPath = '', rawQuery = ''] = request.path.split('?')
    const matched = route(request.method, rawPath)
    if (!matched) throw new Error(`no route for ${request.method} ${rawPath}`)
    const headers: Record<string, string> = { 'user-agent': 'identity-test/1.0', ...request.headers }
    if (request.token) headers.authorization = `Bearer ${request.token}`
    let body: Buffer | undefined
    if (request.body !== undefined) {
      const raw = request.body
      body = Buffer.isBuffer(raw) ? raw : Buffer.from(typeof raw === 'string' ? raw : JSON.stringify(raw))
      headers['content-type'] ??= 'application/json'
    }
    const event = httpEvent(
      {
        method: request.method,
        rawPath,
        rawQueryString: rawQuery,
        rawHeaders: Object.entries(headers).flat(),
        sourceIp: request.ip ?? freshIp(),
        localPort: 3000,
        protocol: 'HTTP/1.1',
        ...(body ? { body } : {}),
      },
      matched,
      localIdentity(process.env),
    )
    const handler = handlers[matched.function]
    if (!handler) throw new Error(`no handler for ${matched.function}`)
    const result = await handler(event, lambdaContext)
    const text = result.body ?? ''
    return {
      status: result.statusCode ?? 200,
      headers: Object.fromEntries(
        Object.entries(result.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]),
      ),
      body: (text ? JSON.parse(text) : undefined) as T,
    }
  }
}

export type Call = Awaited<ReturnType<typeof identityApi>>

let counter = 0
/** Credentials no other test uses. */
export function newUser(prefix = 'user') {
  const tag = `${Date.now().toString(36)}${(counter++).toString(36)}${randomBytes(2).toString('hex')}`
  return {
    email: `${prefix}.${tag}@Example.COM`,
    username: `${prefix}_${tag}`.slice(0, 32),
    password: `long enough passphrase ${tag}`,
  }
}

/**
 * An account as a user makes one: signup (202), the verification link from the mail (unless `verify` is false),
 * then a login for the session.
 */
export async function signUp(
  call: Call,
  user = newUser(),
  extra: Record<string, unknown> = {},
  { verify = true }: { verify?: boolean } = {},
) {
  const response = await call({ method: 'POST', path: '/auth/signup', body: { ...user, ...extra } })
  if (response.status !== 202)
    throw new Error(`signup failed: ${response.status} ${JSON.stringify(response.body)}`)
  if (verify) {
    const token = linkToken(await lastMailTo(user.email.toLowerCase()), '/verify-email')
    const verified = await call({ method: 'POST', path: '/auth/verify-email', body: { token } })
    if (verified.status !== 204)
      throw new Error(`verification failed: ${verified.status} ${JSON.stringify(verified.body)}`)
  }
  const login = await call<SessionBody>({
    method: 'POST',
    path: '/auth/login',
    body: { login: user.username, password: user.password },
  })
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${JSON.stringify(login.body)}`)
  return { ...user, session: login.body }
}
