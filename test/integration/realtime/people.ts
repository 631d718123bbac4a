// Users with live sessions and real access tokens, and friendships between them, written straight to PostgreSQL.
import { randomBytes, randomUUID } from 'node:crypto'
import { signingKey } from '../../../lib/auth/keys.ts'
import { storeRefreshToken } from '../../../lib/auth/refresh-tokens.ts'
import { issueAccessToken, tokenSettings } from '../../../lib/auth/tokens.ts'
import { orderedPair } from '../../../lib/friends/relations.ts'
import { postgresClient } from '../../../lib/stores/postgres.ts'

export interface Person {
  id: string
  sessionId: string
  token: string
}

/** An active user with a verified address and one session; no password hashing, so a test can make many quickly. */
export async function person(): Promise<Person> {
  const sql = await postgresClient()
  const tag = randomBytes(6).toString('hex')
  const [row] = await sql<{ id: string }[]>`
    insert into users (email, username, display_name, password_hash, email_verified_at)
    values (${`rt_${tag}@example.com`}, ${`rt_${tag}`}, ${`Realtime ${tag}`}, 'not-a-hash', now())
    returning id`
  if (!row) throw new Error('no user inserted')
  const sessionId = randomUUID()
  await storeRefreshToken(sql, {
    userId: row.id,
    familyId: sessionId,
    ttlDays: 1,
    ip: '10.0.0.1',
    userAgent: 'test',
  })
  const token = await issueAccessToken(
    { signer: await signingKey(), settings: tokenSettings() },
    { userId: row.id, role: 'user', sessionId },
  )
  return { id: row.id, sessionId, token }
}

export async function befriend(a: Person, b: Person): Promise<void> {
  const sql = await postgresClient()
  const [low, high] = orderedPair(a.id, b.id)
  await sql`
    insert into friendships (user_low, user_high, status, requested_by, accepted_at)
    values (${low}, ${high}, 'accepted', ${a.id}, now())`
}

export async function disable(user: Person): Promise<void> {
  const sql = await postgresClient()
  await sql`update users set status = 'disabled' where id = ${user.id}`
}

export async function endSession(user: Person): Promise<void> {
  const sql = await postgresClient()
  await sql`update refresh_tokens set revoked_at = now() where family_id = ${user.sessionId}`
}
