// Administration: list accounts, change a role, disable or re-enable an account.
import type { Audit } from '../audit/log.ts'
import type { Caller } from '../auth/caller.ts'
import { revokeSessionsOf } from '../auth/refresh-tokens.ts'
import type { SessionsEnded } from '../auth/sessions.ts'
import { ConflictError, ForbiddenError, NotFoundError } from '../errors.ts'
import { timeCursor } from '../http/cursor.ts'
import type { AccountUpdate, AccountListQuery as ListQuery } from '../protocol/http/users.ts'
import type { Page } from '../protocol/shared.ts'
import type { Sql } from '../stores/postgres.ts'
import type { Account } from './accounts.ts'

/** Newest first, emails included: this view is for administrators only. */
export async function listAccounts(sql: Sql, query: ListQuery): Promise<Page<Account>> {
  const after = query.cursor ? timeCursor.decode(query.cursor) : undefined
  const beyondCursor = after
    ? sql`(created_at, id) < (timestamptz 'epoch' + ${after.at}::bigint * interval '1 microsecond', ${after.id}::uuid)`
    : sql`true`
  const rows = await sql<(Account & { cursorAt: string })[]>`
    select id, email, username, display_name as "displayName", role, status, created_at as "createdAt",
           (extract(epoch from created_at) * 1000000)::bigint::text as "cursorAt"
    from users
    where ${query.status ? sql`status = ${query.status}` : sql`true`} and ${beyondCursor}
    order by created_at desc, id desc
    limit ${query.limit + 1}`
  const items = rows.slice(0, query.limit).map(({ cursorAt: _, ...account }) => account)
  const last = rows.length > query.limit ? rows[query.limit - 1] : undefined
  return { items, nextCursor: last ? timeCursor.encode({ at: last.cursorAt, id: last.id }) : null }
}

export async function updateAccount(
  ctx: { sql: Sql; audit: Audit; sessionsEnded: SessionsEnded },
  caller: Caller,
  targetId: string,
  update: AccountUpdate,
): Promise<Account> {
  if (update.role && !caller.permissions.includes('users:update-role'))
    throw new ForbiddenError('Your role does not allow changing roles.')
  if (update.status && !caller.permissions.includes('users:disable'))
    throw new ForbiddenError('Your role does not allow disabling accounts.')
  // An administrator who demotes or disables themselves could leave the service with none.
  if (targetId === caller.id) throw new ConflictError('You cannot change your own role or status.')
  const { before, after, ended } = await ctx.sql.begin(async (tx) => {
    const [current] = await tx<Account[]>`
      select id, email, username, display_name as "displayName", role, status, created_at as "createdAt"
      from users where id = ${targetId} for update`
    if (!current) throw new NotFoundError('No such user.')
    if (current.status === 'deleted') throw new ConflictError('A deleted account cannot be changed.')
    const [changed] = await tx<Account[]>`
      update users set role = ${update.role ?? current.role}, status = ${update.status ?? current.status},
                       updated_at = now()
      where id = ${targetId}
      returning id, email, username, display_name as "displayName", role, status, created_at as "createdAt"`
    const ended = changed?.status === 'disabled' ? await revokeSessionsOf(tx, targetId) : []
    return { before: current, after: changed as Account, ended }
  })
  await ctx.sessionsEnded({ userId: targetId, sessionIds: ended })
  if (before.role !== after.role) {
    await ctx.audit({
      action: 'admin.role_change',
      actorId: caller.id,
      targetId,
      outcome: 'success',
      details: { from: before.role, to: after.role },
    })
  }
  if (before.status !== after.status) {
    const action = after.status === 'disabled' ? 'admin.disable' : 'admin.enable'
    await ctx.audit({ action, actorId: caller.id, targetId, outcome: 'success' })
  }
  return after
}
