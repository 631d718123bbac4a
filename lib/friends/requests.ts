// Friend requests and their answers: send, accept, decline, cancel or unfriend; one transaction per change.
import { ConflictError, EmailUnverifiedError, NotFoundError } from '../errors.ts'
import { emitUserEvent } from '../events/user-events.ts'
import { frames } from '../protocol/ws.ts'
import { type Committed, cursorFor, logUserEvent } from '../sync/log.ts'
import type { PublicProfile } from '../users/accounts.ts'
import {
  type FriendsContext,
  type Friendship,
  type FriendshipRow,
  friendshipView,
  noSuchUser,
  withPair,
} from './pair.ts'

/** The sync cursor of a logged event; without one (the key unreadable) the event still goes, cursor-less. */
async function cursorOf(ctx: FriendsContext, logged: Committed | undefined): Promise<{ cursor?: string }> {
  if (!logged) return {}
  return cursorFor(ctx.sql, logged).then(
    (cursor) => ({ cursor }),
    () => ({}),
  )
}

const noRequestFrom = () => new NotFoundError('No pending friend request from this user.')

/** The request was new, met the other's pending request (and so became the friendship), or was already sent. */
export type RequestOutcome = 'requested' | 'accepted' | 'unchanged'

export async function sendFriendRequest(
  ctx: FriendsContext,
  callerId: string,
  otherId: string,
): Promise<{ friendship: Friendship; outcome: RequestOutcome }> {
  const { caller, other, row, outcome, logged } = await withPair(ctx.sql, callerId, otherId, async (pair) => {
    // Requests reach other people, so they wait for a verified address; answering one does not.
    if (!pair.callerVerified)
      throw new EmailUnverifiedError('Verify your email address before sending friend requests.')
    // The caller's own block is theirs to know; checked first, so it never hints at a block the other set.
    if (pair.blockedByCaller)
      throw new ConflictError('You have blocked this user; unblock them before sending a request.')
    if (!pair.other || pair.blockedByOther) throw noSuchUser()
    const current = pair.friendship
    if (current?.status === 'accepted') throw new ConflictError('You are already friends with this user.')
    const base = { caller: pair.caller, other: pair.other }
    if (current?.requestedBy === callerId)
      return { ...base, row: current, outcome: 'unchanged' as const, logged: undefined }
    // One row per pair: a request that meets the other's pending request becomes the friendship.
    const [row] = await pair.tx<FriendshipRow[]>`
      insert into friendships (user_low, user_high, status, requested_by)
      values (${pair.low}, ${pair.high}, 'pending', ${callerId})
      on conflict (user_low, user_high) do update set status = 'accepted', accepted_at = now()
        where friendships.status = 'pending' and friendships.requested_by <> excluded.requested_by
      returning status, requested_by as "requestedBy", created_at as "createdAt", accepted_at as "acceptedAt"`
    if (!row) throw new Error('friendship upsert changed no row under the pair lock')
    const outcome = row.status === 'accepted' ? ('accepted' as const) : ('requested' as const)
    const logged = await logUserEvent(pair.tx, pair.other.id, eventFrame(outcome, pair.caller, row))
    return { ...base, row, outcome, logged }
  })
  if (outcome === 'requested') await recordRequest(ctx, caller, other, row, logged)
  if (outcome === 'accepted') await recordAcceptance(ctx, caller, other, row, 'request', logged)
  return { friendship: friendshipView(row, callerId, other), outcome }
}

export async function acceptFriend(
  ctx: FriendsContext,
  callerId: string,
  otherId: string,
): Promise<Friendship> {
  const { caller, other, row, changed, logged } = await withPair(ctx.sql, callerId, otherId, async (pair) => {
    const current = pair.friendship
    if (!pair.other || !current) throw noRequestFrom()
    const base = { caller: pair.caller, other: pair.other }
    // Accepting an existing friendship (a retried request, say) answers as the first acceptance did.
    if (current.status === 'accepted') return { ...base, row: current, changed: false, logged: undefined }
    if (current.requestedBy !== otherId) throw noRequestFrom()
    const [row] = await pair.tx<FriendshipRow[]>`
      update friendships set status = 'accepted', accepted_at = now()
      where user_low = ${pair.low} and user_high = ${pair.high}
      returning status, requested_by as "requestedBy", created_at as "createdAt", accepted_at as "acceptedAt"`
    if (!row) throw new Error('friendship update changed no row under the pair lock')
    const logged = await logUserEvent(pair.tx, pair.other.id, eventFrame('accepted', pair.caller, row))
    return { ...base, row, changed: true, logged }
  })
  if (changed) await recordAcceptance(ctx, caller, other, row, 'accept', logged)
  return friendshipView(row, callerId, other)
}

export async function declineFriend(ctx: FriendsContext, callerId: string, otherId: string): Promise<void> {
  await withPair(ctx.sql, callerId, otherId, async (pair) => {
    const current = pair.friendship
    if (!pair.other || current?.status !== 'pending' || current.requestedBy !== otherId) throw noRequestFrom()
    await pair.tx`delete from friendships where user_low = ${pair.low} and user_high = ${pair.high}`
  })
  await ctx.audit({ action: 'friend.decline', actorId: callerId, targetId: otherId, outcome: 'success' })
}

/** DELETE /friends/{userId}: cancels the caller's own pending request, or ends a friendship. */
export async function removeFriend(ctx: FriendsContext, callerId: string, otherId: string): Promise<void> {
  const ended = await withPair(ctx.sql, callerId, otherId, async (pair) => {
    const current = pair.friendship
    if (!pair.other || !current)
      throw new NotFoundError('You have neither a friendship nor a pending request with this user.')
    if (current.status === 'pending' && current.requestedBy !== callerId)
      throw new ConflictError('This user’s request to you is pending; decline it instead.')
    await pair.tx`delete from friendships where user_low = ${pair.low} and user_high = ${pair.high}`
    return current.status
  })
  const action = ended === 'accepted' ? 'friend.unfriend' : 'friend.cancel'
  await ctx.audit({ action, actorId: callerId, targetId: otherId, outcome: 'success' })
}

/** The frame the other user is sent, logged for their sync in the transaction that makes it true. */
function eventFrame(outcome: 'requested' | 'accepted', from: PublicProfile, row: FriendshipRow) {
  return outcome === 'requested'
    ? frames.friendEvent('friend.request', { from, at: row.createdAt.toISOString() })
    : frames.friendEvent('friend.accepted', { from, at: (row.acceptedAt ?? new Date()).toISOString() })
}

async function recordRequest(
  ctx: FriendsContext,
  caller: PublicProfile,
  other: PublicProfile,
  row: FriendshipRow,
  logged: Committed | undefined,
) {
  await ctx.audit({ action: 'friend.request', actorId: caller.id, targetId: other.id, outcome: 'success' })
  await emitUserEvent(ctx.events, {
    type: 'friend.request',
    userId: other.id,
    from: caller,
    at: row.createdAt.toISOString(),
    ...(await cursorOf(ctx, logged)),
  })
}

async function recordAcceptance(
  ctx: FriendsContext,
  caller: PublicProfile,
  other: PublicProfile,
  row: FriendshipRow,
  via: 'accept' | 'request',
  logged: Committed | undefined,
) {
  await ctx.audit({
    action: 'friend.accept',
    actorId: caller.id,
    targetId: other.id,
    outcome: 'success',
    details: { via },
  })
  await emitUserEvent(ctx.events, {
    type: 'friend.accepted',
    userId: other.id,
    from: caller,
    at: (row.acceptedAt ?? new Date()).toISOString(),
    ...(await cursorOf(ctx, logged)),
  })
}
