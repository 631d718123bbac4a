// Sessions: an access token plus a refresh token family, started at signup or login, rotated, and ended.
import type { ISql } from 'postgres'
import type { Audit, RequestMeta } from '../audit/log.ts'
import { config } from '../config.ts'
import { UnauthorizedError } from '../errors.ts'
import type { Sql } from '../stores/postgres.ts'
import { type Account, accountById, accountView } from '../users/accounts.ts'
import { newFamilyId, revokeSessionOf, rotateRefreshToken, storeRefreshToken } from './refresh-tokens.ts'
import { type Issuer, issueAccessToken } from './tokens.ts'

export interface Session {
  user: Account
  accessToken: string
  refreshToken: string
  /** Seconds until the access token expires. */
  expiresIn: number
}

/**
 * Told when sessions end (logout, a reused refresh token, a password change, a disable, a deletion), after the
 * change has committed: what else holds them open (WebSocket connections) must let go at once.
 */
export type SessionsEnded = (ended: { userId: string; sessionIds: readonly string[] }) => Promise<void>

export interface SessionContext {
  sql: Sql
  audit: Audit
  tokens: Issuer
  meta: RequestMeta
  sessionsEnded: SessionsEnded
}

const refreshTtlDays = () => config().REFRESH_TOKEN_TTL_DAYS

async function sessionFor(
  ctx: Pick<SessionContext, 'tokens'>,
  user: Account,
  familyId: string,
  refreshToken: string,
) {
  const accessToken = await issueAccessToken(ctx.tokens, {
    userId: user.id,
    role: user.role,
    sessionId: familyId,
  })
  return { user, accessToken, refreshToken, expiresIn: ctx.tokens.settings.accessTtlSeconds }
}

/** Usable inside a transaction, so an account and its first session are written together or not at all. */
export async function startSession(
  ctx: Omit<SessionContext, 'sql' | 'audit'> & { sql: ISql },
  user: Account,
): Promise<Session> {
  const familyId = newFamilyId()
  const refreshToken = await storeRefreshToken(ctx.sql, {
    userId: user.id,
    familyId,
    ttlDays: refreshTtlDays(),
    ip: ctx.meta.ip,
    userAgent: ctx.meta.userAgent,
  })
  return sessionFor(ctx, user, familyId, refreshToken)
}

const refused = () => new UnauthorizedError('The refresh token is invalid, expired or already used.')

/** Trades a refresh token for a new pair; a replayed token ends its session for everyone holding it. */
export async function refreshSession(ctx: SessionContext, refreshToken: string): Promise<Session> {
  const rotation = await rotateRefreshToken(ctx.sql, refreshToken, {
    ttlDays: refreshTtlDays(),
    ip: ctx.meta.ip,
    userAgent: ctx.meta.userAgent,
  })
  if (rotation.kind === 'reused') {
    await ctx.sessionsEnded({ userId: rotation.userId, sessionIds: [rotation.familyId] })
    await ctx.audit({
      action: 'auth.refresh_reuse',
      actorId: null,
      targetId: rotation.userId,
      outcome: 'denied',
      details: { sessionId: rotation.familyId },
    })
  }
  if (rotation.kind !== 'rotated') throw refused()
  const user = await accountById(ctx.sql, rotation.userId)
  if (!user) throw refused()
  return sessionFor(ctx, accountView(user), rotation.familyId, rotation.token)
}

/** Ends the session the token belongs to. Unknown tokens end nothing, and the answer is the same. */
export async function endSession(
  ctx: Pick<SessionContext, 'sql' | 'audit' | 'sessionsEnded'>,
  refreshToken: string,
) {
  const ended = await revokeSessionOf(ctx.sql, refreshToken)
  if (!ended) return
  await ctx.sessionsEnded({ userId: ended.userId, sessionIds: [ended.familyId] })
  await ctx.audit({ action: 'auth.logout', actorId: ended.userId, outcome: 'success' })
}
