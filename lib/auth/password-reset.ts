// A forgotten password: a mailed single-use link, then a new password that ends every session of the account.
import type { Audit } from '../audit/log.ts'
import { noAccountMail, passwordResetMail } from '../mail/templates.ts'
import type { ResetConfirmInput } from '../protocol/http/auth.ts'
import type { Sql } from '../stores/postgres.ts'
import { consumeAccountToken, issueAccountToken, withdrawAccountTokens } from './account-tokens.ts'
import { invalidLink } from './email-verification.ts'
import { checkPasswordPolicy, hashPassword } from './passwords.ts'
import { revokeSessionsOf } from './refresh-tokens.ts'
import type { SessionsEnded } from './sessions.ts'
import type { MailingContext } from './signup.ts'

export const resetAccepted = {
  message: 'If an account uses that address, a link to reset its password is on its way.',
} as const

/** Every address gets one mail, so the time taken says nothing about whether an account uses it. */
export async function requestPasswordReset(
  ctx: MailingContext,
  email: string,
): Promise<typeof resetAccepted> {
  await ctx.admitAddress(email)
  const [account] = await ctx.sql<{ id: string; email: string }[]>`
    select id, email from users where lower(email) = lower(${email}) and status = 'active'`
  if (!account) {
    await ctx.sendMail(noAccountMail(email))
    await ctx.audit({
      action: 'auth.password_reset_request',
      actorId: null,
      outcome: 'failure',
      details: { reason: 'no_account' },
    })
    return resetAccepted
  }
  const token = await ctx.sql.begin(async (tx) => {
    await withdrawAccountTokens(tx, account.id, 'password_reset')
    return issueAccountToken(tx, { userId: account.id, purpose: 'password_reset', email: account.email })
  })
  await ctx.sendMail(passwordResetMail(account.email, ctx.appUrl, token))
  await ctx.audit({
    action: 'auth.password_reset_request',
    actorId: null,
    targetId: account.id,
    outcome: 'success',
  })
  return resetAccepted
}

/**
 * The token is used up in the same transaction that sets the password, so a password the policy refuses leaves
 * the link working. Reading the mail proves the address, so a reset also verifies it.
 */
export async function confirmPasswordReset(
  ctx: { sql: Sql; audit: Audit; sessionsEnded: SessionsEnded },
  input: ResetConfirmInput,
): Promise<void> {
  const done = await ctx.sql.begin(async (tx) => {
    const used = await consumeAccountToken(tx, input.token, 'password_reset')
    if (!used) return undefined
    const [account] = await tx<{ username: string; email: string }[]>`
      select username, email from users where id = ${used.userId} and status = 'active' for no key update`
    if (!account || account.email.toLowerCase() !== used.email?.toLowerCase()) return undefined
    checkPasswordPolicy(input.password, [account.username, account.email])
    const passwordHash = await hashPassword(input.password)
    await tx`
      update users set password_hash = ${passwordHash}, updated_at = now(),
                       email_verified_at = coalesce(email_verified_at, now())
      where id = ${used.userId}`
    await withdrawAccountTokens(tx, used.userId, 'password_reset')
    return { userId: used.userId, ended: await revokeSessionsOf(tx, used.userId) }
  })
  if (!done) {
    await ctx.audit({ action: 'auth.password_reset', actorId: null, outcome: 'failure' })
    throw invalidLink()
  }
  await ctx.sessionsEnded({ userId: done.userId, sessionIds: done.ended })
  await ctx.audit({
    action: 'auth.password_reset',
    actorId: done.userId,
    targetId: done.userId,
    outcome: 'success',
    details: { sessionsEnded: done.ended.length },
  })
}
