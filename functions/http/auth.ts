// POST /auth/signup, /auth/login, /auth/refresh, /auth/logout.
import * as z from 'zod'
import { type SigningKey, signingKey } from '../../lib/auth/keys.ts'
import { type LoginLimiter, login, loginInput } from '../../lib/auth/login.ts'
import { refreshTokenPattern } from '../../lib/auth/refresh-tokens.ts'
import {
  endSession,
  refreshSession,
  type SessionContext,
  type SessionsEnded,
} from '../../lib/auth/sessions.ts'
import { signup, signupInput } from '../../lib/auth/signup.ts'
import { tokenSettings } from '../../lib/auth/tokens.ts'
import { closeEndedSessions } from '../../lib/connections/revocation.ts'
import { type HttpDeps, storeDeps } from '../../lib/http/deps.ts'
import { type RouteInput, routeByKey, routes } from '../../lib/http/route.ts'
import { json, noContent } from '../../lib/http/stack.ts'
import { redisLoginLimiter } from '../../lib/rate-limit/login.ts'
import { perIp } from '../../lib/rate-limit/middleware.ts'

const refreshInput = z.strictObject({
  refreshToken: z.string().regex(refreshTokenPattern, 'is not a refresh token'),
})

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
  }: RouteInput<z.ZodType, z.ZodType, z.ZodType>): Promise<SessionContext> => ({
    sql: await deps.sql(),
    tokens: { signer: await signer(), settings: tokenSettings() },
    audit,
    meta,
    sessionsEnded,
  })
  return routeByKey({
    'POST /auth/signup': route.public(
      { body: signupInput, guards: [perIp(10, '1 h', { redis })] },
      async (input) => json(201, await signup(await session(input), input.body)),
    ),
    'POST /auth/login': route.public(
      { body: loginInput, guards: [perIp(30, '15 m', { redis })] },
      async (input) => json(200, await login({ ...(await session(input)), limiter }, input.body)),
    ),
    'POST /auth/refresh': route.public(
      { body: refreshInput, guards: [perIp(60, '1 m', { redis })] },
      async (input) => json(200, await refreshSession(await session(input), input.body.refreshToken)),
    ),
    'POST /auth/logout': route.public(
      { body: refreshInput, guards: [perIp(60, '1 m', { redis })] },
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
