// Read markers: a member's last read seq moves forward only, and the other members hear when it does.

import { deliverToUsers, type FanoutDeps } from '../delivery/fanout.ts'
import { NotFoundError } from '../errors.ts'
import { logger } from '../log.ts'
import { frames } from '../protocol/ws.ts'
import type { Sql } from '../stores/postgres.ts'
import { audienceOf } from './audience.ts'

export interface ReadMarker {
  conversationId: string
  userId: string
  /** The marker after this call: never lower than before, never past the conversation's last seq. */
  seq: number
  moved: boolean
  /** The members who hear of the move: the reader's own devices, and others with no block either way (audience.ts). */
  memberIds: string[]
}

/**
 * One statement: a seq below the marker changes nothing, one past the last message is cut to it (the seq is
 * taken on the conversation row before any member can be told of the message, so none is ever cut wrongly).
 */
export async function markRead(
  sql: Sql,
  userId: string,
  conversationId: string,
  seq: number,
): Promise<ReadMarker> {
  const [row] = await sql<{ before: string | null; after: string | null; memberIds: string[] }[]>`
    with target as (
      select m.last_read_seq, least(${seq}::bigint, c.last_seq) as wanted
      from conversation_members m join conversations c on c.id = m.conversation_id
      where m.conversation_id = ${conversationId} and m.user_id = ${userId}
    ), moved as (
      update conversation_members m set last_read_seq = t.wanted
      from target t
      where m.conversation_id = ${conversationId} and m.user_id = ${userId} and m.last_read_seq < t.wanted
      returning m.last_read_seq
    )
    select (select last_read_seq::text from target) as before,
           (select last_read_seq::text from moved) as after,
           ${audienceOf(sql, conversationId, userId)} as "memberIds"`
  if (!row?.before) throw new NotFoundError('No such conversation.')
  const moved = row.after !== null
  return {
    conversationId,
    userId,
    seq: Number(row.after ?? row.before),
    moved,
    memberIds: row.memberIds,
  }
}

/** `read` to every member's connections but the one that sent the marker (the reader's other devices included). */
export async function announceRead(
  fanout: () => FanoutDeps,
  marker: ReadMarker,
  exceptConnectionId?: string,
): Promise<void> {
  if (!marker.moved) return
  const frame = frames.read({ conversationId: marker.conversationId, userId: marker.userId, seq: marker.seq })
  try {
    await deliverToUsers(fanout(), marker.memberIds, frame, { exceptConnectionId })
  } catch (error) {
    logger.warn('read marker not announced', { error: error as Error, conversationId: marker.conversationId })
  }
}
