// The caller's own profile (read, edit, delete) and anyone's public profile.
import type { Audit } from '../audit/log.ts'
import { revokeSessionsOf } from '../auth/refresh-tokens.ts'
import type { SessionsEnded } from '../auth/sessions.ts'
import { ConflictError, NotFoundError } from '../errors.ts'
import type { ProfileUpdate } from '../protocol/http/users.ts'
import type { Sql } from '../stores/postgres.ts'
import { type Account, accountById, accountView, type PublicProfile, uniqueViolation } from './accounts.ts'

export async function ownAccount(sql: Sql, userId: string): Promise<Account> {
  const account = await accountById(sql, userId)
  if (!account) throw new NotFoundError('No such user.')
  return accountView(account)
}

export async function updateOwnProfile(sql: Sql, userId: string, update: ProfileUpdate): Promise<Account> {
  try {
    await sql`
      update users set
        username = coalesce(${update.username ?? null}, username),
        display_name = coalesce(${update.displayName ?? null}, display_name),
        updated_at = now()
      where id = ${userId}`
  } catch (error) {
    if (uniqueViolation(error) === 'users_username_key') {
      throw new ConflictError('This username is taken.', { cause: error })
    }
    throw error
  }
  return ownAccount(sql, userId)
}

/**
 * Deletion keeps the row (messages and memberships refer to it) but nothing personal: the email and username
 * become placeholders no signup can produce, the password cannot match, and every session ends.
 */
export async function deleteOwnAccount(
  ctx: { sql: Sql; audit: Audit; sessionsEnded: SessionsEnded },
  userId: string,
): Promise<void> {
  const ended = await ctx.sql.begin(async (tx) => {
    await tx`
      update users set
        status = 'deleted',
        email = ${`${userId}@deleted.invalid`},
        username = ${`~${userId}`},
        display_name = 'Deleted user',
        password_hash = '!',
        updated_at = now()
      where id = ${userId}`
    return revokeSessionsOf(tx, userId)
  })
  await ctx.sessionsEnded({ userId, sessionIds: ended })
  await ctx.audit({ action: 'user.delete', actorId: userId, targetId: userId, outcome: 'success' })
}

/**
 * An active user's public profile as the viewer may see it: a user who blocked the viewer, or whom the viewer
 * blocked, is not found, exactly like a missing one, so a block cannot be told from an absence.
 */
export async function publicProfile(sql: Sql, viewerId: string, userId: string): Promise<PublicProfile> {
  const [profile] = await sql<PublicProfile[]>`
    select u.id, u.username, u.display_name as "displayName"
    from users u
    where u.id = ${userId} and u.status = 'active'
      and not exists (
        select 1 from blocks b
        where (b.blocker_id = u.id and b.blocked_id = ${viewerId})
           or (b.blocker_id = ${viewerId} and b.blocked_id = u.id))`
  if (!profile) throw new NotFoundError('No such user.')
  return profile
}
