// Delivery markers: a member's cumulative "received up to seq", and the `delivered` frame its move sends to senders.

import { deliverToUsers, type FanoutDeps } from '../delivery/fanout.ts'
import { NotFoundError } from '../errors.ts'
import { logger } from '../log.ts'
import { frames } from '../protocol/ws.ts'
import type { Sql } from '../stores/postgres.ts'
import { audienceOf } from './audience.ts'

export interface DeliveryMarker {
  conversationId: string
  userId: string
  /** The marker after this call: never lower than before, never past the conversation's last seq. */
  seq: number
  /** The users who sent a message this move newly covers (the acknowledging user never among them). */
  senderIds: string[]
}

/**
 * One statement. The member's row is locked first, so of two devices acknowledging at once the second sees the
 * first's marker and covers only what is left: each message is reported delivered once per recipient. A message
 * already read counts as delivered (the `read` frame told its sender), so the range starts past the read marker
 * too. Senders blocked either way with the recipient hear nothing (audience.ts).
 */
export async function acknowledgeDelivery(
  sql: Sql,
  userId: string,
  conversationId: string,
  seq: number,
): Promise<DeliveryMarker> {
  const [row] = await sql<{ covered: string | null; wanted: string | null; senderIds: string[] }[]>`
    with target as (
      select greatest(m.delivered_seq, m.last_read_seq) as covered, least(${seq}::bigint, c.last_seq) as wanted
      from conversation_members m join conversations c on c.id = m.conversation_id
      where m.conversation_id = ${conversationId} and m.user_id = ${userId}
      for update of m
    ), moved as (
      update conversation_members m set delivered_seq = t.wanted
      from target t
      where m.conversation_id = ${conversationId} and m.user_id = ${userId} and m.delivered_seq < t.wanted
      returning m.delivered_seq
    )
    select (select covered::text from target) as covered,
           (select wanted::text from target) as wanted,
           array(
             select distinct k.sender_id::text from message_keys k, target t
             where k.conversation_id = ${conversationId} and k.seq > t.covered and k.seq <= t.wanted
               and k.sender_id <> ${userId}
               and k.sender_id::text = any(${audienceOf(sql, conversationId, userId)})
               and exists (select 1 from moved)
           ) as "senderIds"`
  if (row?.covered == null || row.wanted == null) throw new NotFoundError('No such conversation.')
  return {
    conversationId,
    userId,
    seq: Math.max(Number(row.covered), Number(row.wanted)),
    senderIds: row.senderIds,
  }
}

/** `delivered` to every connection of the senders the move covered: one frame each, whatever the number of messages. */
export async function announceDelivery(fanout: () => FanoutDeps, marker: DeliveryMarker): Promise<void> {
  if (marker.senderIds.length === 0) return
  const frame = frames.delivered({
    conversationId: marker.conversationId,
    seq: marker.seq,
    userId: marker.userId,
  })
  try {
    await deliverToUsers(fanout(), marker.senderIds, frame)
  } catch (error) {
    logger.warn('delivery not announced', { error: error as Error, conversationId: marker.conversationId })
  }
}
