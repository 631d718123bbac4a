// The caller's own sessions: listed with where and when they were used, and ended one by one or all but this one.
import { isIPv4 } from 'node:net'
import type { Audit } from '../audit/log.ts'
import { NotFoundError } from '../errors.ts'
import type { Sql } from '../stores/postgres.ts'
import type { Caller } from './caller.ts'
import { revokeSessionsOf } from './refresh-tokens.ts'
import type { SessionsEnded } from './sessions.ts'

export interface SessionView {
  id: string
  createdAt: Date
  /** The last sign-in or refresh. */
  lastUsedAt: Date
  userAgent: string | null
  /** The network the session was last used from, never the whole address: a /24 (IPv4) or a /48 (IPv6). */
  ipClass: string | null
  current: boolean
}

export function ipClass(ip: string | null): string | null {
  if (!ip) return null
  if (isIPv4(ip)) return `${ip.split('.').slice(0, 3).join('.')}.0/24`
  const groups = ip.split('::')[0]?.split(':') ?? []
  return `${groups.slice(0, 3).join(':')}::/48`
}

type SessionRow = Omit<SessionView, 'current' | 'ipClass'> & { ip: string | null }

export async function listSessions(sql: Sql, caller: Caller): Promise<{ items: SessionView[] }> {
  const rows = await sql<SessionRow[]>`
    select family_id as id, min(created_at) as "createdAt", max(created_at) as "lastUsedAt",
           (array_agg(user_agent order by created_at desc))[1] as "userAgent",
           (array_agg(ip order by created_at desc))[1] as ip
    from refresh_tokens
    where user_id = ${caller.id} and revoked_at is null
    group by family_id
    having max(expires_at) > now()
    order by max(created_at) desc`
  return {
    items: rows.map(({ ip, ...row }) => ({
      ...row,
      ipClass: ipClass(ip),
      current: row.id === caller.sessionId,
    })),
  }
}

type EndContext = { sql: Sql; audit: Audit; sessionsEnded: SessionsEnded }

/** Ends one of the caller's sessions; another user's session id answers 404, like an unknown one. */
export async function endOwnSession(ctx: EndContext, caller: Caller, sessionId: string): Promise<void> {
  const rows = await ctx.sql`
    update refresh_tokens set revoked_at = now()
    where user_id = ${caller.id} and family_id = ${sessionId} and revoked_at is null
    returning family_id`
  if (rows.length === 0) throw new NotFoundError('No such session.')
  await ctx.sessionsEnded({ userId: caller.id, sessionIds: [sessionId] })
  await ctx.audit({
    action: 'auth.session_end',
    actorId: caller.id,
    targetId: caller.id,
    outcome: 'success',
    details: { sessionId, current: sessionId === caller.sessionId },
  })
}

export async function endOtherSessions(ctx: EndContext, caller: Caller): Promise<{ ended: number }> {
  const ended = await revokeSessionsOf(ctx.sql, caller.id, caller.sessionId)
  await ctx.sessionsEnded({ userId: caller.id, sessionIds: ended })
  await ctx.audit({
    action: 'auth.session_end',
    actorId: caller.id,
    targetId: caller.id,
    outcome: 'success',
    details: { others: true, ended: ended.length },
  })
  return { ended: ended.length }
}
