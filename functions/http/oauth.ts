// GET /auth/oauth/{provider}/start and /callback, POST /auth/oauth/exchange: sign-in with Google or GitHub.
import { type SigningKey, signingKey } from '../../lib/auth/keys.ts'
import type { SessionsEnded } from '../../lib/auth/sessions.ts'
import { tokenSettings } from '../../lib/auth/tokens.ts'
import { config } from '../../lib/config.ts'
import { type MongoHttpDeps, mongoStoreDeps } from '../../lib/http/mongo-deps.ts'
import { routeByKey, routes } from '../../lib/http/route.ts'
import { type HttpEvent, json } from '../../lib/http/stack.ts'
import { exchangeSignInCode, finishSignIn, startSignIn } from '../../lib/oauth/sign-in.ts'
import { oauthRoutes as http } from '../../lib/protocol/http/oauth.ts'
import { perIp } from '../../lib/rate-limit/middleware.ts'

/** Where the provider sends the browser back: configured, or the host and scheme the request came in on. */
function callbackUrl(event: HttpEvent, provider: string): string {
  const base =
    config().PUBLIC_API_URL ??
    `${event.headers?.['x-forwarded-proto'] ?? 'https'}://${event.requestContext.domainName}`
  return `${base.replace(/\/$/, '')}/auth/oauth/${provider}/callback`
}

const redirect = (location: string, cookies: string[] = []) => ({
  statusCode: 302,
  headers: { location, 'cache-control': 'no-store' },
  ...(cookies.length > 0 ? { cookies } : {}),
})

export function createOAuthHandler(
  deps: MongoHttpDeps,
  signer: () => Promise<SigningKey> = signingKey,
  // A new session ends nothing; the session context still names where endings would go.
  sessionsEnded: SessionsEnded = async () => {},
) {
  const route = routes(deps)
  const redis = deps.redis
  return routeByKey({
    'GET /auth/oauth/{provider}/start': route.public(
      { ...http['GET /auth/oauth/{provider}/start'], guards: [perIp(30, '15 m', { redis })] },
      async ({ path, query, event }) => {
        const started = await startSignIn(
          await deps.sql(),
          path.provider,
          query.redirect,
          callbackUrl(event, path.provider),
        )
        return redirect(started.location, [started.cookie])
      },
    ),
    'GET /auth/oauth/{provider}/callback': route.public(
      { ...http['GET /auth/oauth/{provider}/callback'], guards: [perIp(30, '15 m', { redis })] },
      async ({ path, event, audit }) => {
        const current = new URL(callbackUrl(event, path.provider))
        current.search = event.rawQueryString
        const location = await finishSignIn(
          { sql: await deps.sql(), audit },
          path.provider,
          current,
          event.cookies ?? [],
        )
        return redirect(location)
      },
    ),
    'POST /auth/oauth/exchange': route.public(
      { ...http['POST /auth/oauth/exchange'], guards: [perIp(30, '15 m', { redis })] },
      async ({ body, meta, audit }) =>
        json(
          200,
          await exchangeSignInCode(
            {
              sql: await deps.sql(),
              tokens: { signer: await signer(), settings: tokenSettings() },
              audit,
              meta,
              sessionsEnded,
            },
            body.code,
          ),
        ),
    ),
  })
}

export const handler = createOAuthHandler(mongoStoreDeps)
