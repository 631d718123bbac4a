// Blocking: ends any friendship or pending request between the two users, and keeps them apart until undone.
import type { Audit } from '../audit/log.ts'
import { NotFoundError } from '../errors.ts'
import type { Sql } from '../stores/postgres.ts'
import { type FriendsContext, noSuchUser, otherThanCaller, withPair } from './pair.ts'

export async function blockUser(ctx: FriendsContext, callerId: string, otherId: string): Promise<void> {
  const ended = await withPair(ctx.sql, callerId, otherId, async (pair) => {
    if (pair.blockedByCaller) return undefined
    // A user who blocked the caller is, to the caller, missing: blocking them back would tell otherwise.
    if (!pair.other || pair.blockedByOther) throw noSuchUser()
    await pair.tx`insert into blocks (blocker_id, blocked_id) values (${callerId}, ${otherId})`
    await pair.tx`delete from friendships where user_low = ${pair.low} and user_high = ${pair.high}`
    return pair.friendship?.status ?? 'none'
  })
  if (ended === undefined) return
  await ctx.audit({
    action: 'friend.block',
    actorId: callerId,
    targetId: otherId,
    outcome: 'success',
    details: { ended },
  })
}

/** Only the caller's own block can be lifted; the other's, if any, stays. */
export async function unblockUser(
  ctx: { sql: Sql; audit: Audit },
  callerId: string,
  otherId: string,
): Promise<void> {
  otherThanCaller(callerId, otherId)
  const removed = await ctx.sql`
    delete from blocks where blocker_id = ${callerId} and blocked_id = ${otherId} returning 1`
  if (removed.length === 0) throw new NotFoundError('You have not blocked this user.')
  await ctx.audit({ action: 'friend.unblock', actorId: callerId, targetId: otherId, outcome: 'success' })
}
