// Verifying an address: the mailed token proves the owner reads mail there; a new link can be asked for.
import type { Audit } from '../audit/log.ts'
import { InvalidError } from '../errors.ts'
import { verifyAddressMail } from '../mail/templates.ts'
import type { Sql } from '../stores/postgres.ts'
import { consumeAccountToken, issueAccountToken, withdrawAccountTokens } from './account-tokens.ts'
import type { Caller } from './caller.ts'
import type { MailingContext } from './signup.ts'

export const invalidLink = () =>
  new InvalidError('The link is invalid, expired or already used; ask for a new one.', [
    { path: 'token', message: 'is invalid, expired or already used' },
  ])

/** Marks the address verified, if it is still the account's address: a link for an old address verifies nothing. */
export async function verifyEmail(ctx: { sql: Sql; audit: Audit }, token: string): Promise<void> {
  const verified = await ctx.sql.begin(async (tx) => {
    const used = await consumeAccountToken(tx, token, 'verify_email')
    if (!used?.email) return undefined
    const [row] = await tx<{ id: string }[]>`
      update users set email_verified_at = coalesce(email_verified_at, now()), updated_at = now()
      where id = ${used.userId} and lower(email) = lower(${used.email}) and status = 'active'
      returning id`
    return row?.id
  })
  if (!verified) {
    await ctx.audit({ action: 'auth.verify_email', actorId: null, outcome: 'failure' })
    throw invalidLink()
  }
  await ctx.audit({ action: 'auth.verify_email', actorId: verified, targetId: verified, outcome: 'success' })
}

/** A fresh link for the caller's own address; nothing is sent once it is verified. */
export async function resendVerification(ctx: MailingContext, caller: Caller): Promise<void> {
  const [account] = await ctx.sql<{ email: string; verified: boolean }[]>`
    select email, email_verified_at is not null as verified from users where id = ${caller.id}`
  if (!account || account.verified) return
  await ctx.admitAddress(account.email)
  const token = await ctx.sql.begin(async (tx) => {
    await withdrawAccountTokens(tx, caller.id, 'verify_email')
    return issueAccountToken(tx, { userId: caller.id, purpose: 'verify_email', email: account.email })
  })
  await ctx.sendMail(verifyAddressMail(account.email, ctx.appUrl, token))
  await ctx.audit({
    action: 'auth.verification_resend',
    actorId: caller.id,
    targetId: caller.id,
    outcome: 'success',
  })
}
