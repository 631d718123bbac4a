// Who is calling: a verified access token whose user is still active and whose session has not ended.
import { UnauthorizedError } from '../errors.ts'
import type { Sql } from '../stores/postgres.ts'
import { type Tokens, verifyAccessToken } from './tokens.ts'

export interface Caller {
  id: string
  /** Read from the database on each request, so a role change or disable takes effect at once. */
  role: string
  permissions: readonly string[]
  sessionId: string
}

/**
 * A signature alone would keep a disabled user's token, or a logged-out session's, alive until it expires;
 * one primary-key lookup per request ends them at once.
 */
export async function authenticate(ctx: { sql: Sql; tokens: Tokens }, token: string): Promise<Caller> {
  const claims = await verifyAccessToken(token, ctx.tokens.keys, ctx.tokens.settings)
  const [row] = await ctx.sql<{ role: string; permissions: string[]; sessionLive: boolean }[]>`
    select u.role,
           array(select p.permission from role_permissions p where p.role = u.role order by 1) as permissions,
           exists(select 1 from refresh_tokens t
                  where t.family_id = ${claims.sessionId} and t.user_id = u.id and t.revoked_at is null)
             as "sessionLive"
    from users u
    where u.id = ${claims.userId} and u.status = 'active'`
  if (!row?.sessionLive) throw new UnauthorizedError('The session has ended; sign in again.')
  return { id: claims.userId, role: row.role, permissions: row.permissions, sessionId: claims.sessionId }
}
