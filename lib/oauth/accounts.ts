// Who a provider's user is here: a linked identity, an account with the same verified address, or a new account.
import { randomBytes } from 'node:crypto'
import type { ISql } from 'postgres'
import type { Sql } from '../stores/postgres.ts'
import type { ProviderName } from './providers.ts'

export interface ProviderUser {
  provider: ProviderName
  /** The provider's stable id of the user (`sub`, or GitHub's numeric id). */
  subject: string
  email: string | undefined
  /** Whether the provider says it verified the address. */
  emailVerified: boolean
  name: string | undefined
}

export type SignInOutcome =
  | { kind: 'signed_in' | 'linked' | 'created'; userId: string }
  | { kind: 'refused'; reason: 'unverified_email' | 'account_unverified' | 'inactive' }

function usernameFrom(email: string): string {
  const local =
    email
      .split('@')[0]
      ?.toLowerCase()
      .replace(/[^a-z0-9_]/g, '_') ?? ''
  const base = /^[a-z]/.test(local) ? local : `u${local}`
  return `${base.slice(0, 24)}_${randomBytes(3).toString('hex')}`
}

async function newAccount(tx: ISql, user: ProviderUser & { email: string }): Promise<string> {
  const displayName = (user.name?.trim() || user.email.split('@')[0] || 'New user').slice(0, 64)
  const [row] = await tx<{ id: string }[]>`
    insert into users (email, username, display_name, password_hash, email_verified_at)
    values (${user.email}, ${usernameFrom(user.email)}, ${displayName}, null, now())
    returning id`
  if (!row) throw new Error('no account inserted')
  return row.id
}

/**
 * Links only on an address verified by both sides: the provider's word for its side, a mailed link (or a reset)
 * for ours. An account whose address is not verified here may have been registered by someone who does not own
 * it, so a provider sign-in never takes it over.
 */
export async function accountForProviderUser(sql: Sql, user: ProviderUser): Promise<SignInOutcome> {
  return sql.begin(async (tx): Promise<SignInOutcome> => {
    const [linked] = await tx<{ userId: string; status: string }[]>`
      select i.user_id as "userId", u.status from oauth_identities i join users u on u.id = i.user_id
      where i.provider = ${user.provider} and i.subject = ${user.subject}`
    if (linked)
      return linked.status === 'active'
        ? { kind: 'signed_in', userId: linked.userId }
        : { kind: 'refused', reason: 'inactive' }
    if (!user.email || !user.emailVerified) return { kind: 'refused', reason: 'unverified_email' }
    const email = user.email.trim().toLowerCase()
    const [existing] = await tx<{ id: string; status: string; verified: boolean }[]>`
      select id, status, email_verified_at is not null as verified from users
      where lower(email) = ${email} for no key update`
    if (existing && existing.status !== 'active') return { kind: 'refused', reason: 'inactive' }
    if (existing && !existing.verified) return { kind: 'refused', reason: 'account_unverified' }
    const userId = existing?.id ?? (await newAccount(tx, { ...user, email }))
    await tx`
      insert into oauth_identities (provider, subject, user_id, email)
      values (${user.provider}, ${user.subject}, ${userId}, ${email})`
    return { kind: existing ? 'linked' : 'created', userId }
  }) as Promise<SignInOutcome>
}
