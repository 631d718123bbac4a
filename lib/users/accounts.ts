// Reading user rows as the two views the API shows: the owner's account and anyone's public profile.
import type { Sql } from '../stores/postgres.ts'

/** What the owner (and an admin) sees. */
export interface Account {
  id: string
  email: string
  username: string
  displayName: string
  role: string
  status: 'active' | 'disabled' | 'deleted'
  /** False until the owner opens the link mailed at signup (or resets the password through the mail). */
  emailVerified: boolean
  createdAt: Date
}

/** What anyone signed in sees: never the email. */
export interface PublicProfile {
  id: string
  username: string
  displayName: string
}

export interface AccountWithHash extends Account {
  /** Null for an account made by a provider sign-in until its owner sets a password. */
  passwordHash: string | null
}

export async function accountById(sql: Sql, id: string): Promise<AccountWithHash | undefined> {
  const [row] = await sql<AccountWithHash[]>`
    select id, email, username, display_name as "displayName", role, status, email_verified_at is not null as "emailVerified",
           created_at as "createdAt", password_hash as "passwordHash"
    from users where id = ${id}`
  return row
}

/** An email (it has an @, which no username has) or a username, compared case-insensitively. */
export async function accountByLogin(sql: Sql, login: string): Promise<AccountWithHash | undefined> {
  const key = login.trim().normalize('NFC').toLowerCase()
  const [row] = await sql<AccountWithHash[]>`
    select id, email, username, display_name as "displayName", role, status, email_verified_at is not null as "emailVerified",
           created_at as "createdAt", password_hash as "passwordHash"
    from users
    where ${key.includes('@') ? sql`lower(email) = ${key}` : sql`lower(username) = ${key}`}`
  return row
}

/** The unique index a duplicate hit, if that is why a write failed. */
export function uniqueViolation(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const { code, constraint_name } = error as { code?: unknown; constraint_name?: unknown }
  return code === '23505' && typeof constraint_name === 'string' ? constraint_name : undefined
}

/** The view of an account that may leave the service: the hash stays behind. */
export function accountView({ passwordHash: _, ...account }: AccountWithHash): Account {
  return account
}
