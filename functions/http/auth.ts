// POST /auth/signup, /auth/login, /auth/refresh, /auth/logout.
import { type SigningKey, signingKey } from '../../lib/auth/keys.ts'
import { type LoginLimiter, login } from '../../lib/auth/login.ts'
import {
  endSession,
  refreshSession,
  type SessionContext,
  type SessionsEnded,
} from '../../lib/auth/sessions.ts'
import { signup } from '../../lib/auth/signup.ts'
import { tokenSettings } from '../../lib/auth/tokens.ts'
import { closeEndedSessions } from '../../lib/connections/revocation.ts'
import { type HttpDeps, storeDeps } from '../../lib/http/deps.ts'
import { type RouteInput, routeByKey, routes } from '../../lib/http/route.ts'
import { json, noContent } from '../../lib/http/stack.ts'
import { httpContract as http } from '../../lib/protocol/http/index.ts'
import { redisLoginLimiter } from '../../lib/rate-limit/login.ts'
import { perIp } from '../../lib/rate-limit/middleware.ts'

/** The one function that issues tokens, so the one that is given the private signing key. */
export function createAuthHandler(
  deps: HttpDeps,
  limiter: LoginLimiter = redisLoginLimiter(deps.redis),
  sessionsEnded: SessionsEnded = closeEndedSessions(),
  signer: () => Promise<SigningKey> = signingKey,
) {
  const route = routes(deps)
  const redis = deps.redis
  const session = async ({
    meta,
    audit,
  }: Pick<RouteInput<never, never, never>, 'meta' | 'audit'>): Promise<SessionContext> => ({
    sql: await deps.sql(),
    tokens: { signer: await signer(), settings: tokenSettings() },
    audit,
    meta,
    sessionsEnded,
  })
  return routeByKey({
    'POST /auth/signup': route.public(
      { ...http['POST /auth/signup'], guards: [perIp(10, '1 h', { redis })] },
      async (input) => json(201, await signup(await session(input), input.body)),
    ),
    'POST /auth/login': route.public(
      { ...http['POST /auth/login'], guards: [perIp(30, '15 m', { redis })] },
      async (input) => json(200, await login({ ...(await session(input)), limiter }, input.body)),
    ),
    'POST /auth/refresh': route.public(
      { ...http['POST /auth/refresh'], guards: [perIp(60, '1 m', { redis })] },
      async (input) => json(200, await refreshSession(await session(input), input.body.refreshToken)),
    ),
    'POST /auth/logout': route.public(
      { ...http['POST /auth/logout'], guards: [perIp(60, '1 m', { redis })] },
      async (input) => {
        await endSession(
          { sql: await deps.sql(), audit: input.audit, sessionsEnded },
          input.body.refreshToken,
        )
        return noContent()
      },
    ),
  })
}

export const handler = createAuthHandler(storeDeps)
