// The caller's friends and pending requests, newest first, keyset-paginated, with the other user's public profile.
import type { PendingQuery, Row } from 'postgres'
import { timeCursor } from '../http/cursor.ts'
import type { FriendsQuery, RequestsQuery } from '../protocol/http/friends.ts'
import type { Page } from '../protocol/shared.ts'
import type { Sql } from '../stores/postgres.ts'
import { type Friendship, type FriendshipRow, friendshipView } from './pair.ts'

type ListedRow = FriendshipRow & { id: string; username: string; displayName: string; cursorAt: string }

/** Rows of the user's friendships with the other user active; `sortedBy` is the timestamp the page is keyed on. */
async function page(
  sql: Sql,
  userId: string,
  query: { cursor?: string | undefined; limit: number },
  sortedBy: 'accepted_at' | 'created_at',
  which: PendingQuery<Row[]>,
): Promise<Page<Friendship>> {
  const after = query.cursor ? timeCursor.decode(query.cursor) : undefined
  const at = sql(sortedBy)
  const beyondCursor = after
    ? sql`(f.${at}, u.id) < (timestamptz 'epoch' + ${after.at}::bigint * interval '1 microsecond', ${after.id}::uuid)`
    : sql`true`
  const rows = await sql<ListedRow[]>`
    select u.id, u.username, u.display_name as "displayName",
           f.status, f.requested_by as "requestedBy", f.created_at as "createdAt", f.accepted_at as "acceptedAt",
           (extract(epoch from f.${at}) * 1000000)::bigint::text as "cursorAt"
    from friendships f
    join users u on u.id = case when f.user_low = ${userId} then f.user_high else f.user_low end
    where (f.user_low = ${userId} or f.user_high = ${userId}) and u.status = 'active' and ${which}
      and ${beyondCursor}
    order by f.${at} desc, u.id desc
    limit ${query.limit + 1}`
  const items = rows
    .slice(0, query.limit)
    .map(({ id, username, displayName, ...row }) =>
      friendshipView(row, userId, { id, username, displayName }),
    )
  const last = rows.length > query.limit ? rows[query.limit - 1] : undefined
  return { items, nextCursor: last ? timeCursor.encode({ at: last.cursorAt, id: last.id }) : null }
}

export function listFriends(sql: Sql, userId: string, query: FriendsQuery): Promise<Page<Friendship>> {
  return page(sql, userId, query, 'accepted_at', sql`f.status = 'accepted'`)
}

export function listRequests(sql: Sql, userId: string, query: RequestsQuery): Promise<Page<Friendship>> {
  const asked =
    query.direction === 'outgoing' ? sql`f.requested_by = ${userId}` : sql`f.requested_by <> ${userId}`
  return page(sql, userId, query, 'created_at', sql`f.status = 'pending' and ${asked}`)
}
