// Changing a password: proven by the current one; every other session of the account ends.
import type { Audit } from '../audit/log.ts'
import { InvalidError, UnauthorizedError } from '../errors.ts'
import type { PasswordChangeInput } from '../protocol/http/users.ts'
import type { Sql } from '../stores/postgres.ts'
import { accountById } from '../users/accounts.ts'
import type { Caller } from './caller.ts'
import { checkPasswordPolicy, hashPassword, verifyPassword } from './passwords.ts'
import { revokeSessionsOf } from './refresh-tokens.ts'
import type { SessionsEnded } from './sessions.ts'

export async function changePassword(
  ctx: { sql: Sql; audit: Audit; sessionsEnded: SessionsEnded },
  caller: Caller,
  input: PasswordChangeInput,
): Promise<void> {
  const account = await accountById(ctx.sql, caller.id)
  if (!account) throw new UnauthorizedError('The account no longer exists.')
  if (!(await verifyPassword(account.passwordHash, input.currentPassword))) {
    await ctx.audit({
      action: 'user.password_change',
      actorId: caller.id,
      targetId: caller.id,
      outcome: 'failure',
    })
    throw new InvalidError('The current password is incorrect.', [
      { path: 'currentPassword', message: 'is incorrect' },
    ])
  }
  checkPasswordPolicy(input.newPassword, [account.username, account.email])
  const passwordHash = await hashPassword(input.newPassword)
  const ended = await ctx.sql.begin(async (tx) => {
    await tx`update users set password_hash = ${passwordHash}, updated_at = now() where id = ${caller.id}`
    return revokeSessionsOf(tx, caller.id, caller.sessionId)
  })
  await ctx.sessionsEnded({ userId: caller.id, sessionIds: ended })
  await ctx.audit({
    action: 'user.password_change',
    actorId: caller.id,
    targetId: caller.id,
    outcome: 'success',
  })
}
