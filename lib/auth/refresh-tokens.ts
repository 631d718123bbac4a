// Refresh tokens: 256 random bits, stored only as SHA-256 hashes, rotated on every use, grouped in families.
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import type { ISql } from 'postgres'
import type { Sql } from '../stores/postgres.ts'

/** base64url of 32 random bytes: the only shape a refresh token has, checked before any lookup. */
const hashOf = (token: string) => createHash('sha256').update(token).digest()

export interface NewRefreshToken {
  userId: string
  /** The session: every token rotated from the first one of a login shares its family. */
  familyId: string
  ttlDays: number
  ip: string
  userAgent: string
}

/** Stores a new token's hash and returns the token, which exists nowhere else once the response is sent. */
export async function storeRefreshToken(sql: ISql, input: NewRefreshToken): Promise<string> {
  const token = randomBytes(32).toString('base64url')
  await sql`
    insert into refresh_tokens (family_id, user_id, token_hash, expires_at, ip, user_agent)
    values (${input.familyId}, ${input.userId}, ${hashOf(token)},
            now() + make_interval(days => ${input.ttlDays}), ${input.ip}, ${input.userAgent.slice(0, 512)})`
  return token
}

export const newFamilyId = () => randomUUID()

export type Rotation =
  | { kind: 'rotated'; userId: string; familyId: string; token: string }
  | { kind: 'reused'; userId: string; familyId: string }
  | { kind: 'invalid' }

/**
 * Marks the token used if it is live and its user active, and stores its successor in the same transaction.
 * A token already used (a replay, or the loser of two
 * concurrent refreshes) revokes its whole family, as RFC 9700 4.14.2 asks; the revocation commits even though
 * the caller then answers 401.
 */
export async function rotateRefreshToken(
  sql: Sql,
  token: string,
  successor: Omit<NewRefreshToken, 'userId' | 'familyId'>,
): Promise<Rotation> {
  const tokenHash = hashOf(token)
  return sql.begin(async (tx): Promise<Rotation> => {
    const [live] = await tx<{ familyId: string; userId: string; status: string }[]>`
      update refresh_tokens t set used_at = now()
      from users u
      where t.token_hash = ${tokenHash} and t.user_id = u.id
        and t.used_at is null and t.revoked_at is null and t.expires_at > now()
      returning t.family_id as "familyId", t.user_id as "userId", u.status`
    if (live?.status === 'active') {
      const next = await storeRefreshToken(tx, { ...successor, userId: live.userId, familyId: live.familyId })
      return { kind: 'rotated', userId: live.userId, familyId: live.familyId, token: next }
    }
    if (live) {
      await revokeFamily(tx, live.familyId)
      return { kind: 'invalid' }
    }
    const [seen] = await tx<{ familyId: string; userId: string; used: boolean; revoked: boolean }[]>`
      select family_id as "familyId", user_id as "userId",
             used_at is not null as used, revoked_at is not null as revoked
      from refresh_tokens where token_hash = ${tokenHash}`
    if (!seen?.used || seen.revoked) return { kind: 'invalid' }
    await revokeFamily(tx, seen.familyId)
    return { kind: 'reused', userId: seen.userId, familyId: seen.familyId }
  }) as Promise<Rotation>
}

async function revokeFamily(sql: ISql, familyId: string): Promise<void> {
  await sql`update refresh_tokens set revoked_at = now() where family_id = ${familyId} and revoked_at is null`
}

/** Logout: ends the token's session. Answers whose session it was, or nothing for an unknown token. */
export async function revokeSessionOf(
  sql: Sql,
  token: string,
): Promise<{ userId: string; familyId: string } | undefined> {
  const [row] = await sql<{ familyId: string; userId: string }[]>`
    select family_id as "familyId", user_id as "userId" from refresh_tokens where token_hash = ${hashOf(token)}`
  if (!row) return undefined
  await revokeFamily(sql, row.familyId)
  return row
}

/**
 * Ends every session of a user, or every one but the caller's own; usable inside a transaction. Answers the
 * sessions (families) it ended.
 */
export async function revokeSessionsOf(
  sql: ISql,
  userId: string,
  exceptFamilyId?: string,
): Promise<string[]> {
  const rows = await sql<{ familyId: string }[]>`
    update refresh_tokens set revoked_at = now()
    where user_id = ${userId} and revoked_at is null
      and (${exceptFamilyId ?? null}::uuid is null or family_id <> ${exceptFamilyId ?? null}::uuid)
    returning family_id as "familyId"`
  return [...new Set(rows.map((row) => row.familyId))]
}
