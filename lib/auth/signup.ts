// Signup: a new account with role `user`, its first session, and an audit entry.
import { ConflictError } from '../errors.ts'
import type { SignupInput } from '../protocol/http/auth.ts'
import { type Account, uniqueViolation } from '../users/accounts.ts'
import { checkPasswordPolicy, hashPassword } from './passwords.ts'
import { type Session, type SessionContext, startSession } from './sessions.ts'

export async function signup(ctx: SessionContext, input: SignupInput): Promise<Session> {
  checkPasswordPolicy(input.password, [input.username, input.email])
  // Hashed before the uniqueness check, so a taken address costs the same time as a free one.
  const passwordHash = await hashPassword(input.password)
  try {
    const session = await ctx.sql.begin(async (tx) => {
      const [user] = await tx<Account[]>`
        insert into users (email, username, display_name, password_hash)
        values (${input.email}, ${input.username}, ${input.displayName ?? input.username}, ${passwordHash})
        returning id, email, username, display_name as "displayName", role, status, created_at as "createdAt"`
      return startSession({ ...ctx, sql: tx }, user as Account)
    })
    const userId = session.user.id
    await ctx.audit({ action: 'auth.signup', actorId: userId, targetId: userId, outcome: 'success' })
    return session
  } catch (error) {
    const index = uniqueViolation(error)
    if (index === 'users_username_key') {
      throw new ConflictError('This username is taken.', { cause: error })
    }
    if (index === 'users_email_key') {
      throw new ConflictError('An account with this email already exists.', { cause: error })
    }
    throw error
  }
}
