// Sign-in with Google (an OpenID provider from oauth2-mock-server) and GitHub (a local stand-in) through the local
// gateway: start -> provider -> callback -> one-time code -> exchange -> /users/me, and every refusal creating nothing.
import { randomBytes } from 'node:crypto'
import { OAuth2Server } from 'oauth2-mock-server'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { realRoutes } from '../../../infra/local/gateway/table.ts'
import { type LocalRuntime, startLocalRuntime } from '../../../infra/local/runtime.ts'
import type { AuditDocument } from '../../../lib/audit/log.ts'
import { collections } from '../../../lib/migrations/mongo.ts'
import { mongoDb } from '../../../lib/stores/mongo.ts'
import { postgresClient } from '../../../lib/stores/postgres.ts'
import { lastMailTo, linkToken } from '../../mailbox.ts'
import { signUpVerified } from '../accounts.ts'
import { documentValidator } from '../contract/validator.ts'
import { type GitHubStandIn, type GitHubUser, startGitHubStandIn } from './github-stand-in.ts'

const documents = documentValidator()

const clientUrl = 'http://app.localhost:5173/signed-in'
let runtime: LocalRuntime
let google: OAuth2Server
let github: GitHubStandIn
/** Claims the mock provider puts in the next ID token; `nonce` replaces the one the service sent. */
let idClaims: Record<string, unknown> = {}

beforeAll(async () => {
  google = new OAuth2Server()
  await google.issuer.keys.generate('RS256')
  await google.start(0, '127.0.0.1')
  google.service.on('beforeTokenSigning', (token) => {
    Object.assign(token.payload, idClaims)
  })
  github = await startGitHubStandIn()
  runtime = await startLocalRuntime({
    routes: { ...realRoutes, queueConsumers: [], schedules: [] },
    env: {
      ...process.env,
      STAGE: `oauth-${randomBytes(4).toString('hex')}`,
      OAUTH_GOOGLE_ISSUER: google.issuer.url ?? '',
      OAUTH_GOOGLE_CLIENT_ID: 'chat-service',
      OAUTH_GOOGLE_CLIENT_SECRET: 'google-client-secret',
      OAUTH_GITHUB_CLIENT_ID: 'chat-service-gh',
      OAUTH_GITHUB_CLIENT_SECRET: 'github-client-secret',
      OAUTH_GITHUB_BASE_URL: github.url,
      OAUTH_GITHUB_API_URL: `${github.url}/api`,
      OAUTH_REDIRECT_ALLOWLIST: clientUrl,
    },
    httpPort: 0,
    wsPort: 0,
  })
})
afterAll(async () => {
  await runtime?.stop()
  await google?.stop()
  await github?.stop()
})
beforeEach(() => {
  idClaims = {}
})

const manual = (url: string, init: RequestInit = {}) => fetch(url, { ...init, redirect: 'manual' })

interface Started {
  authorize: URL
  cookie: string
}

async function start(provider: string, redirect = clientUrl): Promise<Response> {
  return manual(`${runtime.httpUrl}/auth/oauth/${provider}/start?redirect=${encodeURIComponent(redirect)}`)
}

async function started(provider: string): Promise<Started> {
  const response = await start(provider)
  expect(response.status).toBe(302)
  const cookie = (response.headers.getSetCookie()[0] ?? '').split(';')[0] ?? ''
  expect(cookie).toMatch(/^oauth_browser=/)
  return { authorize: new URL(response.headers.get('location') ?? ''), cookie }
}

/** The provider's answer: where it sends the browser back, our callback with code and state. */
async function atProvider(flow: Started): Promise<URL> {
  const response = await manual(flow.authorize.href)
  expect(response.status).toBe(302)
  return new URL(response.headers.get('location') ?? '')
}

const callback = (url: URL, cookie: string) => manual(url.href, { headers: { cookie } })

async function exchange(code: string) {
  const response = await fetch(`${runtime.httpUrl}/auth/oauth/exchange`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code }),
  })
  const body = (await response.json()) as { accessToken: string; user: { id: string } }
  // Every answer, session or problem, as the committed OpenAPI document describes it.
  expect(documents.response('/auth/oauth/exchange', 'POST', response.status, body)).toEqual([])
  return { status: response.status, body }
}

/** The whole flow; answers the session the client gets. */
async function signIn(provider: string) {
  const flow = await started(provider)
  const back = await callback(await atProvider(flow), flow.cookie)
  expect(back.status).toBe(302)
  const landing = new URL(back.headers.get('location') ?? '')
  expect(`${landing.origin}${landing.pathname}`).toBe(clientUrl)
  expect([...landing.searchParams.keys()]).toEqual(['code'])
  const session = await exchange(landing.searchParams.get('code') ?? '')
  expect(session.status).toBe(200)
  return { ...session.body, code: landing.searchParams.get('code') ?? '' }
}

async function me(accessToken: string) {
  const response = await fetch(`${runtime.httpUrl}/users/me`, {
    headers: { authorization: `Bearer ${accessToken}` },
  })
  return (await response.json()) as { id: string; email: string; username: string; emailVerified: boolean }
}

async function accountsWith(email: string): Promise<number> {
  const sql = await postgresClient()
  const [row] = await sql<
    { count: number }[]
  >`select count(*)::int as count from users where lower(email) = ${email}`
  return row?.count ?? 0
}

/** Why the last refused sign-in was refused, as the audit log has it. */
async function lastRefusal(): Promise<unknown> {
  const [entry] = await (await mongoDb())
    .collection<AuditDocument>(collections.auditLog)
    .find({ action: 'auth.oauth_login', outcome: 'denied' })
    .sort({ at: -1 })
    .limit(1)
    .toArray()
  return entry?.details?.reason
}

const googleUser = (tag = randomBytes(4).toString('hex')) => ({
  sub: `google-${tag}`,
  email: `g.${tag}@example.com`,
  email_verified: true,
  name: `Gee ${tag}`,
})

const gitHubUser = (tag = randomBytes(4).toString('hex')): GitHubUser => ({
  id: Number.parseInt(tag, 16),
  login: `octo${tag}`,
  name: `Octo ${tag}`,
  emails: [
    { email: `other.${tag}@example.com`, primary: false, verified: true },
    { email: `gh.${tag}@example.com`, primary: true, verified: true },
  ],
})

describe('Google (OpenID Connect)', () => {
  it('signs a new user in with PKCE S256, state and nonce, and a second sign-in reaches the same account', async () => {
    idClaims = googleUser()
    const flow = await started('google')
    expect(Object.fromEntries(flow.authorize.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: 'chat-service',
      code_challenge_method: 'S256',
      code_challenge: expect.stringMatching(/^[\w-]{43}$/),
      state: expect.any(String),
      nonce: expect.any(String),
      scope: 'openid email profile',
    })
    const first = await signIn('google')
    const account = await me(first.accessToken)
    expect(account).toMatchObject({ email: idClaims.email, emailVerified: true })
    const second = await signIn('google')
    expect(second.user.id).toBe(account.id)
    expect(await accountsWith(idClaims.email as string)).toBe(1)
  })

  it('an account made by a provider sign-in has no password until a reset through the mail sets one', async () => {
    idClaims = googleUser()
    const email = idClaims.email as string
    const session = await signIn('google')
    const post = (path: string, body: unknown) =>
      fetch(`${runtime.httpUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    const { username } = await me(session.accessToken)
    const password = 'a password set after a provider sign-in'
    expect((await post('/auth/login', { login: email, password })).status).toBe(401)
    expect((await post('/auth/password-reset', { email })).status).toBe(202)
    const token = linkToken(await lastMailTo(email), '/reset-password')
    expect((await post('/auth/password-reset/confirm', { token, password })).status).toBe(204)
    const login = await post('/auth/login', { login: username, password })
    expect(login.status).toBe(200)
    expect(((await login.json()) as { user: { id: string } }).user.id).toBe(session.user.id)
  })

  it('links to an account whose address is verified on both sides', async () => {
    const tag = randomBytes(4).toString('hex')
    const existing = await signUpVerified(runtime.httpUrl, {
      email: `g.${tag}@example.com`,
      username: `linked_${tag}`,
      password: 'a sentence nobody would pick here',
    })
    idClaims = googleUser(tag)
    const session = await signIn('google')
    expect(session.user.id).toBe(existing.user.id)
  })

  it('never takes over an account whose address is not verified here', async () => {
    const tag = randomBytes(4).toString('hex')
    const signup = await fetch(`${runtime.httpUrl}/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: `g.${tag}@example.com`,
        username: `squat_${tag}`,
        password: 'a sentence nobody would pick here',
      }),
    })
    expect(signup.status).toBe(202)
    idClaims = googleUser(tag)
    const flow = await started('google')
    expect((await callback(await atProvider(flow), flow.cookie)).status).toBe(400)
    expect(await lastRefusal()).toBe('account_unverified')
    expect(await accountsWith(`g.${tag}@example.com`)).toBe(1)
  })

  it('refuses an address the provider has not verified, creating nothing', async () => {
    idClaims = { ...googleUser(), email_verified: false }
    const flow = await started('google')
    expect((await callback(await atProvider(flow), flow.cookie)).status).toBe(400)
    expect(await lastRefusal()).toBe('unverified_email')
    expect(await accountsWith(idClaims.email as string)).toBe(0)
  })

  it('refuses an ID token with another nonce, creating nothing', async () => {
    idClaims = { ...googleUser(), nonce: 'not-the-nonce-the-service-sent' }
    const flow = await started('google')
    expect((await callback(await atProvider(flow), flow.cookie)).status).toBe(400)
    expect(await lastRefusal()).toBe('provider_exchange')
    expect(await accountsWith(idClaims.email as string)).toBe(0)
  })

  it('refuses a tampered state, a replayed callback, and a callback in another browser', async () => {
    idClaims = googleUser()
    const flow = await started('google')
    const back = await atProvider(flow)
    const tampered = new URL(back)
    tampered.searchParams.set('state', `${back.searchParams.get('state')}x`)
    expect((await callback(tampered, flow.cookie)).status).toBe(400)
    expect(await lastRefusal()).toBe('unknown_state')
    expect(await accountsWith(idClaims.email as string)).toBe(0)

    const other = await started('google')
    const otherBack = await atProvider(other)
    expect((await callback(otherBack, flow.cookie)).status).toBe(400)
    expect(await lastRefusal()).toBe('other_browser')
    expect(await accountsWith(idClaims.email as string)).toBe(0)

    const fresh = await started('google')
    const freshBack = await atProvider(fresh)
    expect((await callback(freshBack, fresh.cookie)).status).toBe(302)
    expect((await callback(freshBack, fresh.cookie)).status).toBe(400)
    expect(await lastRefusal()).toBe('unknown_state')
  })

  it('refuses a redirect that is not on the allowlist, before anything is stored', async () => {
    for (const redirect of [
      'https://evil.example/signed-in',
      `${clientUrl}/more`,
      clientUrl.replace('http:', 'https:'),
    ]) {
      const response = await start('google', redirect)
      expect(response.status).toBe(400)
      expect(response.headers.get('location')).toBeNull()
    }
  })
})

describe('GitHub (OAuth 2.0)', () => {
  it('signs in with the primary verified email from the API, links the second time, and trades each code once', async () => {
    const user = gitHubUser()
    github.signInAs(user)
    const first = await signIn('github')
    expect(await me(first.accessToken)).toMatchObject({ email: user.emails[1]?.email, emailVerified: true })
    expect(github.tokenRequests.at(-1)?.get('code_verifier')).toMatch(/^[\w-]{43}$/)
    const second = await signIn('github')
    expect(second.user.id).toBe(first.user.id)
    expect((await exchange(second.code)).status).toBe(401)
  })

  it('a stolen code is useless: without the verifier the provider refuses it, and in another flow it fails PKCE', async () => {
    const user = gitHubUser()
    github.signInAs(user)
    const victim = await started('github')
    const stolen = await atProvider(victim)
    const direct = await fetch(`${github.url}/login/oauth/access_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: stolen.searchParams.get('code') ?? '',
        redirect_uri: `${stolen.origin}${stolen.pathname}`,
      }),
    })
    expect(direct.status).toBe(400)

    const attacker = await started('github')
    const injected = new URL(await atProvider(attacker))
    injected.searchParams.set('code', stolen.searchParams.get('code') ?? '')
    expect((await callback(injected, attacker.cookie)).status).toBe(400)
    expect(await lastRefusal()).toBe('provider_exchange')
    expect(github.tokenRequests.at(-1)?.get('code')).toBe(stolen.searchParams.get('code'))
    expect(await accountsWith(user.emails[1]?.email ?? '')).toBe(0)
  })

  it('refuses a GitHub user without a verified primary address', async () => {
    const user = gitHubUser()
    github.signInAs({ ...user, emails: user.emails.map((entry) => ({ ...entry, verified: false })) })
    const flow = await started('github')
    expect((await callback(await atProvider(flow), flow.cookie)).status).toBe(400)
    expect(await lastRefusal()).toBe('unverified_email')
    expect(await accountsWith(user.emails[1]?.email ?? '')).toBe(0)
  })
})
