// The first administrator: a new account with the admin role, or an existing one promoted.
import type { Audit } from '../audit/log.ts'
import { checkPasswordPolicy, hashPassword } from '../auth/passwords.ts'
import { ConflictError, NotFoundError } from '../errors.ts'
import { type SignupInput, signupInput } from '../protocol/http/auth.ts'
import type { Sql } from '../stores/postgres.ts'
import { type Account, accountByLogin, accountView } from './accounts.ts'

/** The first admin signs up with exactly what any account signs up with. */
export const newAdminInput = signupInput
export type NewAdminInput = SignupInput

export async function createAdmin(ctx: { sql: Sql; audit: Audit }, input: NewAdminInput): Promise<Account> {
  checkPasswordPolicy(input.password, [input.username, input.email])
  const passwordHash = await hashPassword(input.password)
  const [created] = await ctx.sql<Account[]>`
    insert into users (email, username, display_name, password_hash, role)
    values (${input.email}, ${input.username}, ${input.displayName ?? input.username}, ${passwordHash}, 'admin')
    on conflict do nothing
    returning id, email, username, display_name as "displayName", role, status, created_at as "createdAt"`
  if (!created) throw new ConflictError('An account with this email or username exists; promote it instead.')
  await ctx.audit({
    action: 'auth.signup',
    actorId: null,
    targetId: created.id,
    outcome: 'success',
    details: { via: 'create-admin', role: 'admin' },
  })
  return created
}

export async function promoteToAdmin(ctx: { sql: Sql; audit: Audit }, login: string): Promise<Account> {
  const account = await accountByLogin(ctx.sql, login)
  if (account?.status !== 'active') throw new NotFoundError('No active account with that login.')
  if (account.role !== 'admin') {
    await ctx.sql`update users set role = 'admin', updated_at = now() where id = ${account.id}`
    await ctx.audit({
      action: 'admin.role_change',
      actorId: null,
      targetId: account.id,
      outcome: 'success',
      details: { from: account.role, to: 'admin', via: 'create-admin' },
    })
  }
  return { ...accountView(account), role: 'admin' }
}
