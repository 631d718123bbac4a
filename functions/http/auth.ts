// /auth: signup, login, refresh, logout; verifying an address, resetting a password; the caller's sessions.
import { resendVerification, verifyEmail } from '../../lib/auth/email-verification.ts'
import { type SigningKey, signingKey } from '../../lib/auth/keys.ts'
import { type LoginLimiter, login } from '../../lib/auth/login.ts'
import { confirmPasswordReset, requestPasswordReset } from '../../lib/auth/password-reset.ts'
import { endOtherSessions, endOwnSession, listSessions } from '../../lib/auth/session-list.ts'
import {
  endSession,
  refreshSession,
  type SessionContext,
  type SessionsEnded,
} from '../../lib/auth/sessions.ts'
import { type MailingContext, signup } from '../../lib/auth/signup.ts'
import { tokenSettings } from '../../lib/auth/tokens.ts'
import { config } from '../../lib/config.ts'
import { closeEndedSessions } from '../../lib/connections/revocation.ts'
import { type MongoHttpDeps, mongoStoreDeps } from '../../lib/http/mongo-deps.ts'
import { type AuditInput, type RouteInput, routeByKey, routes } from '../../lib/http/route.ts'
import { json, noContent } from '../../lib/http/stack.ts'
import type { SendMail } from '../../lib/mail/message.ts'
import { configuredOutbox } from '../../lib/mail/outbox.ts'
import { authRoutes as http } from '../../lib/protocol/http/auth.ts'
import { createLimiter } from '../../lib/rate-limit/limiter.ts'
import { redisLoginLimiter } from '../../lib/rate-limit/login.ts'
import { perIp, perUser } from '../../lib/rate-limit/middleware.ts'

/** What a route hands the auth flows: where the request came from, and the audit log. */
type RequestContext = Pick<RouteInput<never, never, never>, 'meta'> & AuditInput<MongoHttpDeps>

/** The one function that issues tokens, so the one that is given the private signing key. */
export function createAuthHandler(
  deps: MongoHttpDeps,
  limiter: LoginLimiter = redisLoginLimiter(deps.redis),
  sessionsEnded: SessionsEnded = closeEndedSessions(),
  signer: () => Promise<SigningKey> = signingKey,
  sendMail: SendMail = configuredOutbox(),
) {
  const route = routes(deps)
  const redis = deps.redis
  // Every mail-sending route shares one allowance per address, so no mix of routes can flood one inbox.
  const mailsPerAddress = createLimiter(redis, { name: 'mail:address', limit: 5, window: '1 h' })
  const session = async ({ meta, audit }: RequestContext): Promise<SessionContext> => ({
    sql: await deps.sql(),
    tokens: { signer: await signer(), settings: tokenSettings() },
    audit,
    meta,
    sessionsEnded,
  })
  const mailing = async ({ meta, audit }: RequestContext): Promise<MailingContext> => ({
    sql: await deps.sql(),
    audit,
    meta,
    sendMail,
    appUrl: config().APP_URL,
    admitAddress: async (address) => {
      await mailsPerAddress.consume(address.toLowerCase())
    },
  })
  const ending = async ({ audit }: RequestContext) => ({
    sql: await deps.sql(),
    audit,
    sessionsEnded,
  })
  return routeByKey({
    'POST /auth/signup': route.public(
      { ...http['POST /auth/signup'], guards: [perIp(10, '1 h', { redis })] },
      async (input) => json(202, await signup(await mailing(input), input.body)),
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
    'POST /auth/verify-email': route.public(
      { ...http['POST /auth/verify-email'], guards: [perIp(30, '15 m', { redis })] },
      async (input) => {
        await verifyEmail({ sql: await deps.sql(), audit: input.audit }, input.body.token)
        return noContent()
      },
    ),
    'POST /auth/verify-email/resend': route.caller(
      {
        ...http['POST /auth/verify-email/resend'],
        guards: [perIp(10, '1 h', { redis }), perUser(3, '1 h', { redis })],
      },
      async (input) => {
        await resendVerification(await mailing(input), input.caller)
        return json(202, { message: 'If your address is not verified yet, a new link is on its way.' })
      },
    ),
    'POST /auth/password-reset': route.public(
      { ...http['POST /auth/password-reset'], guards: [perIp(10, '1 h', { redis })] },
      async (input) => json(202, await requestPasswordReset(await mailing(input), input.body.email)),
    ),
    'POST /auth/password-reset/confirm': route.public(
      { ...http['POST /auth/password-reset/confirm'], guards: [perIp(30, '15 m', { redis })] },
      async (input) => {
        await confirmPasswordReset(await ending(input), input.body)
        return noContent()
      },
    ),
    'GET /auth/sessions': route.caller(http['GET /auth/sessions'], async ({ caller }) =>
      json(200, await listSessions(await deps.sql(), caller)),
    ),
    'DELETE /auth/sessions/{id}': route.caller(http['DELETE /auth/sessions/{id}'], async (input) => {
      await endOwnSession(await ending(input), input.caller, input.path.id)
      return noContent()
    }),
    'DELETE /auth/sessions': route.caller(http['DELETE /auth/sessions'], async (input) =>
      json(200, await endOtherSessions(await ending(input), input.caller)),
    ),
  })
}

export const handler = createAuthHandler(mongoStoreDeps)
