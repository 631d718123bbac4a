// Sign-in with a provider: authorization code with PKCE (S256), state and (OIDC) nonce through openid-client, then
// a one-time code for the client, which trades it by POST: tokens never travel in a URL.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import * as client from 'openid-client'
import type { Audit } from '../audit/log.ts'
import { consumeAccountToken, issueAccountToken } from '../auth/account-tokens.ts'
import { type Session, type SessionContext, startSession } from '../auth/sessions.ts'
import { config } from '../config.ts'
import { InvalidError, NotFoundError, UnauthorizedError } from '../errors.ts'
import { logger } from '../log.ts'
import type { Sql } from '../stores/postgres.ts'
import { accountById, accountView } from '../users/accounts.ts'
import { accountForProviderUser, type ProviderUser } from './accounts.ts'
import { type Provider, type ProviderName, provider } from './providers.ts'

/** Binds a flow to the browser that started it, so nobody can finish their sign-in in someone else's browser. */
export const browserCookie = 'oauth_browser'
const flowSeconds = 600

const sha256 = (value: string) => createHash('sha256').update(value).digest()

async function configured(name: ProviderName): Promise<Provider> {
  const found = await provider(name)
  if (!found) throw new NotFoundError('No such route.')
  return found
}

export interface StartedSignIn {
  location: string
  cookie: string
}

/** The redirect must be listed exactly: a near match (another path, port or scheme) is refused. */
export async function startSignIn(
  sql: Sql,
  name: ProviderName,
  redirect: string,
  callbackUrl: string,
): Promise<StartedSignIn> {
  const chosen = await configured(name)
  if (!config().OAUTH_REDIRECT_ALLOWLIST.includes(redirect))
    throw new InvalidError('The redirect is not an allowed client URL.', [
      { path: 'query.redirect', message: 'is not on the allowlist' },
    ])
  const state = client.randomState()
  const verifier = client.randomPKCECodeVerifier()
  const nonce = chosen.oidc ? client.randomNonce() : null
  const browser = randomBytes(32).toString('base64url')
  await sql`
    insert into oauth_flows (state_hash, provider, browser_hash, code_verifier, nonce, redirect, expires_at)
    values (${sha256(state)}, ${name}, ${sha256(browser)}, ${verifier}, ${nonce}, ${redirect},
            now() + make_interval(secs => ${flowSeconds}))`
  const url = client.buildAuthorizationUrl(chosen.configuration, {
    redirect_uri: callbackUrl,
    scope: chosen.scope,
    state,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...(nonce ? { nonce } : {}),
  })
  return {
    location: url.href,
    cookie: `${browserCookie}=${browser}; Path=/auth/oauth; Max-Age=${flowSeconds}; HttpOnly; Secure; SameSite=Lax`,
  }
}

const refused = () => new InvalidError('The sign-in could not be completed; start it again.')

interface GitHubEmail {
  email: string
  primary: boolean
  verified: boolean
}

async function githubUser(chosen: Provider, accessToken: string): Promise<ProviderUser> {
  const get = async <T>(path: string): Promise<T> => {
    const response = await client.fetchProtectedResource(
      chosen.configuration,
      accessToken,
      new URL(`${(chosen.apiUrl ?? '').replace(/\/$/, '')}${path}`),
      'GET',
      undefined,
      new Headers({ accept: 'application/vnd.github+json' }),
    )
    if (!response.ok) throw new Error(`GitHub ${path} answered ${response.status}`)
    return (await response.json()) as T
  }
  const [user, emails] = await Promise.all([
    get<{ id: number; name?: string | null; login: string }>('/user'),
    get<GitHubEmail[]>('/user/emails'),
  ])
  const primary = emails.find((entry) => entry.primary && entry.verified)
  return {
    provider: 'github',
    subject: String(user.id),
    email: primary?.email,
    emailVerified: primary !== undefined,
    name: user.name ?? user.login,
  }
}

async function providerUser(
  chosen: Provider,
  tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers,
) {
  if (!chosen.oidc) return githubUser(chosen, tokens.access_token)
  const claims = tokens.claims()
  if (!claims) throw new Error('no ID token')
  return {
    provider: chosen.name,
    subject: claims.sub,
    email: typeof claims.email === 'string' ? claims.email : undefined,
    emailVerified: claims.email_verified === true,
    name: typeof claims.name === 'string' ? claims.name : undefined,
  } satisfies ProviderUser
}

/**
 * The flow is taken (deleted) before anything else: a replayed callback, or a second use of its code, finds none.
 * Answers where to send the browser: the client URL with a one-time code.
 */
export async function finishSignIn(
  ctx: { sql: Sql; audit: Audit },
  name: ProviderName,
  currentUrl: URL,
  cookies: readonly string[],
): Promise<string> {
  const chosen = await configured(name)
  const deny = async (reason: string, error?: unknown) => {
    if (error) logger.warn('provider sign-in refused', { provider: name, reason, error: error as Error })
    await ctx.audit({
      action: 'auth.oauth_login',
      actorId: null,
      outcome: 'denied',
      details: { provider: name, reason },
    })
    return refused()
  }
  const state = currentUrl.searchParams.get('state')
  if (!state) throw await deny('no_state')
  const [flow] = await ctx.sql<
    { browserHash: Buffer; codeVerifier: string; nonce: string | null; redirect: string }[]
  >`
    delete from oauth_flows where state_hash = ${sha256(state)} and provider = ${name} and expires_at > now()
    returning browser_hash as "browserHash", code_verifier as "codeVerifier", nonce, redirect`
  if (!flow) throw await deny('unknown_state')
  const browser = cookies.map((cookie) => cookie.split('=')).find(([key]) => key === browserCookie)?.[1]
  if (!browser || !timingSafeEqual(sha256(browser), flow.browserHash)) throw await deny('other_browser')
  let user: ProviderUser
  try {
    const tokens = await client.authorizationCodeGrant(chosen.configuration, currentUrl, {
      pkceCodeVerifier: flow.codeVerifier,
      expectedState: state,
      ...(flow.nonce ? { expectedNonce: flow.nonce } : {}),
      idTokenExpected: chosen.oidc,
    })
    user = await providerUser(chosen, tokens)
  } catch (error) {
    throw await deny('provider_exchange', error)
  }
  const outcome = await accountForProviderUser(ctx.sql, user)
  if (outcome.kind === 'refused') throw await deny(outcome.reason)
  const code = await issueAccountToken(ctx.sql, { userId: outcome.userId, purpose: 'oauth_exchange' })
  await ctx.audit({
    action: 'auth.oauth_login',
    actorId: outcome.userId,
    targetId: outcome.userId,
    outcome: 'success',
    details: { provider: name, how: outcome.kind },
  })
  const back = new URL(flow.redirect)
  back.searchParams.set('code', code)
  return back.href
}

/** Trades the one-time code for a session, once, within a minute of the sign-in. */
export async function exchangeSignInCode(ctx: SessionContext, code: string): Promise<Session> {
  const used = await consumeAccountToken(ctx.sql, code, 'oauth_exchange')
  const account = used && (await accountById(ctx.sql, used.userId))
  if (account?.status !== 'active')
    throw new UnauthorizedError('The sign-in code is invalid, expired or already used.')
  return startSession(ctx, accountView(account))
}
