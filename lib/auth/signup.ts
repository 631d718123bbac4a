// Signup: one answer whether or not the email is registered; the mail tells the two cases apart, to the owner only.
import type { Audit, RequestMeta } from '../audit/log.ts'
import { ConflictError } from '../errors.ts'
import type { SendMail } from '../mail/message.ts'
import { signupAttemptMail, verifyAddressMail } from '../mail/templates.ts'
import type { SignupInput } from '../protocol/http/auth.ts'
import type { Sql } from '../stores/postgres.ts'
import { uniqueViolation } from '../users/accounts.ts'
import { issueAccountToken } from './account-tokens.ts'
import { checkPasswordPolicy, hashPassword } from './passwords.ts'

/** What the routes that send account mail need. */
export interface MailingContext {
  sql: Sql
  audit: Audit
  meta: RequestMeta
  sendMail: SendMail
  appUrl: string
  /** Throws RateLimitedError when this address has been mailed too often; counts the mail otherwise. */
  admitAddress: (address: string) => Promise<void>
}

/** The one body every accepted signup gets. */
export const signupAccepted = {
  message: 'Check your mail: we sent a message to that address saying what to do next.',
} as const

const usernameTaken = (cause?: unknown) =>
  new ConflictError('This username is taken.', cause === undefined ? undefined : { cause })

/**
 * Usernames are public (search shows them), so a taken one is said; a registered email never is. Both paths hash
 * the password and send one mail, so they take the same kind of time.
 */
export async function signup(ctx: MailingContext, input: SignupInput): Promise<typeof signupAccepted> {
  checkPasswordPolicy(input.password, [input.username, input.email])
  await ctx.admitAddress(input.email)
  const passwordHash = await hashPassword(input.password)
  let outcome: { kind: 'created'; userId: string; token: string } | { kind: 'registered'; userId: string }
  try {
    outcome = await ctx.sql.begin(async (tx) => {
      const [taken] = await tx`select 1 from users where lower(username) = lower(${input.username})`
      if (taken) throw usernameTaken()
      const [created] = await tx<{ id: string }[]>`
        insert into users (email, username, display_name, password_hash)
        values (${input.email}, ${input.username}, ${input.displayName ?? input.username}, ${passwordHash})
        on conflict ((lower(email))) do nothing
        returning id`
      if (created) {
        const token = await issueAccountToken(tx, {
          userId: created.id,
          purpose: 'verify_email',
          email: input.email,
        })
        return { kind: 'created' as const, userId: created.id, token }
      }
      const [existing] = await tx<
        { id: string }[]
      >`select id from users where lower(email) = lower(${input.email})`
      if (!existing) throw new Error('an email conflicted with no row')
      return { kind: 'registered' as const, userId: existing.id }
    })
  } catch (error) {
    // Two signups racing for one username: the loser hears what it would have heard a moment later.
    if (uniqueViolation(error) === 'users_username_key') throw usernameTaken(error)
    throw error
  }
  if (outcome.kind === 'created') {
    await ctx.sendMail(verifyAddressMail(input.email, ctx.appUrl, outcome.token))
    await ctx.audit({
      action: 'auth.signup',
      actorId: outcome.userId,
      targetId: outcome.userId,
      outcome: 'success',
    })
  } else {
    await ctx.sendMail(signupAttemptMail(input.email, ctx.appUrl))
    await ctx.audit({
      action: 'auth.signup',
      actorId: null,
      targetId: outcome.userId,
      outcome: 'denied',
      details: { reason: 'email_registered' },
    })
  }
  return signupAccepted
}
