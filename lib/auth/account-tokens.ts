// Single-use account tokens: 256 random bits, stored as SHA-256 hashes, each for one purpose and a short life.
import { createHash, randomBytes } from 'node:crypto'
import type { ISql } from 'postgres'

export type TokenPurpose = 'verify_email' | 'password_reset' | 'oauth_exchange'

/** How long each kind of token is good for. */
export const tokenLifetimeSeconds: Record<TokenPurpose, number> = {
  verify_email: 24 * 3600,
  password_reset: 30 * 60,
  oauth_exchange: 60,
}

const hashOf = (token: string) => createHash('sha256').update(token).digest()

export async function issueAccountToken(
  sql: ISql,
  input: { userId: string; purpose: TokenPurpose; email?: string },
): Promise<string> {
  const token = randomBytes(32).toString('base64url')
  await sql`
    insert into account_tokens (token_hash, purpose, user_id, email, expires_at)
    values (${hashOf(token)}, ${input.purpose}, ${input.userId}, ${input.email ?? null},
            now() + make_interval(secs => ${tokenLifetimeSeconds[input.purpose]}))`
  return token
}

/**
 * Uses the token up, if it is live and for this purpose: one conditional update, so two concurrent uses cannot
 * both succeed. Answers whose it was, or nothing.
 */
export async function consumeAccountToken(
  sql: ISql,
  token: string,
  purpose: TokenPurpose,
): Promise<{ userId: string; email: string | null } | undefined> {
  const [row] = await sql<{ userId: string; email: string | null }[]>`
    update account_tokens set used_at = now()
    where token_hash = ${hashOf(token)} and purpose = ${purpose} and used_at is null and expires_at > now()
    returning user_id as "userId", email`
  return row
}

/** A new link replaces the older ones: only the last mailed token of a purpose still works. */
export async function withdrawAccountTokens(sql: ISql, userId: string, purpose: TokenPurpose): Promise<void> {
  await sql`
    update account_tokens set used_at = now()
    where user_id = ${userId} and purpose = ${purpose} and used_at is null`
}
