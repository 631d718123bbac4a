// Two users inside one transaction: locked, then read as the rules for requests, answers and blocks need them.
import type { TransactionSql } from 'postgres'
import type { Audit } from '../audit/log.ts'
import { InvalidError, NotFoundError, UnauthorizedError } from '../errors.ts'
import type { UserEventSink } from '../events/user-events.ts'
import type { Sql } from '../stores/postgres.ts'
import type { PublicProfile } from '../users/accounts.ts'
import { orderedPair } from './relations.ts'

/** What every change to a friendship needs: the database, the audit log, and where user events go. */
export interface FriendsContext {
  sql: Sql
  audit: Audit
  events: UserEventSink
}

export interface FriendshipRow {
  status: 'pending' | 'accepted'
  requestedBy: string
  createdAt: Date
  acceptedAt: Date | null
}

/** A friendship or pending request as one of its two users sees it. */
export interface Friendship {
  user: PublicProfile
  status: 'pending' | 'accepted'
  /** Who asked: `outgoing` when the viewer did. */
  direction: 'incoming' | 'outgoing'
  requestedAt: Date
  acceptedAt: Date | null
}

export function friendshipView(row: FriendshipRow, viewerId: string, other: PublicProfile): Friendship {
  return {
    user: other,
    status: row.status,
    direction: row.requestedBy === viewerId ? 'outgoing' : 'incoming',
    requestedAt: row.createdAt,
    acceptedAt: row.acceptedAt,
  }
}

export interface Pair {
  tx: TransactionSql
  low: string
  high: string
  caller: PublicProfile
  /** Whether the caller's address is verified: only verified accounts send friend requests. */
  callerVerified: boolean
  /** Undefined when the other user is missing, disabled or deleted. */
  other: PublicProfile | undefined
  friendship: FriendshipRow | undefined
  blockedByCaller: boolean
  blockedByOther: boolean
}

/** The one answer for a missing, inactive or blocking user, so that a blocked user cannot tell them apart. */
export const noSuchUser = () => new NotFoundError('No such user.')

export function otherThanCaller(callerId: string, otherId: string): void {
  if (callerId === otherId) {
    throw new InvalidError('That is your own user id; name another user.', [
      { path: 'path.userId', message: 'must not be your own id' },
    ])
  }
}

/**
 * Runs `work` in a transaction that first locks both users' rows, in id order so that two such transactions
 * cannot deadlock. Every change to a pair takes these locks, so changes to one pair run one after another and
 * each sees the previous one's result: a request cannot slip past a block committing beside it. Row locks, since
 * an advisory lock would pin the connection behind RDS Proxy; `for no key update` leaves foreign-key checks free.
 */
export async function withPair<T>(
  sql: Sql,
  callerId: string,
  otherId: string,
  work: (pair: Pair) => Promise<T>,
): Promise<T> {
  otherThanCaller(callerId, otherId)
  const [low, high] = orderedPair(callerId, otherId)
  const result = await sql.begin(async (tx) => {
    const users = await tx<(PublicProfile & { status: string; verified: boolean })[]>`
      select id, username, display_name as "displayName", status, email_verified_at is not null as verified
      from users
      where id in (${low}, ${high}) order by id for no key update`
    const [friendship] = await tx<FriendshipRow[]>`
      select status, requested_by as "requestedBy", created_at as "createdAt", accepted_at as "acceptedAt"
      from friendships where user_low = ${low} and user_high = ${high}`
    const blockers = await tx<{ blockerId: string }[]>`
      select blocker_id as "blockerId" from blocks
      where (blocker_id = ${low} and blocked_id = ${high}) or (blocker_id = ${high} and blocked_id = ${low})`
    const profile = (id: string): PublicProfile | undefined => {
      const user = users.find((row) => row.id === id && row.status === 'active')
      return user && { id: user.id, username: user.username, displayName: user.displayName }
    }
    const caller = profile(callerId)
    // Authentication saw the caller active; a disable or deletion committed since then wins.
    if (!caller) throw new UnauthorizedError('The session has ended; sign in again.')
    return work({
      tx,
      low,
      high,
      caller,
      callerVerified: users.some((row) => row.id === callerId && row.verified),
      other: profile(otherId),
      friendship,
      blockedByCaller: blockers.some((row) => row.blockerId === callerId),
      blockedByOther: blockers.some((row) => row.blockerId === otherId),
    })
  })
  return result as T
}
