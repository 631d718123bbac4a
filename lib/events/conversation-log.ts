// Each conversation's events in order: numbered gap-free on its PostgreSQL row, each number in the sync log
// (sync/log.ts, with the seq when the event is a new message), the records of the other events in MongoDB by `_id`.
//
// How to read it: numbers 1..`conversations.last_event` are committed. Changes (edits, deletes, reactions, members,
// the group itself) write their record before their number commits, under the row lock. A `message.new` has no
// record: its number commits with its seq in the send's first statement and the message is written right after,
// so a reader can meet a committed number whose message is not there yet; that send is still storing, or was
// abandoned (its seq is then empty in history too), and the reader looks again rather than skipping it for good.
import type { Db } from 'mongodb'
import type { ISql } from 'postgres'
import { placed, type ServerFrameOf } from '../protocol/ws.ts'
import type { Sql } from '../stores/postgres.ts'
import { type Committed, committedColumns, committedFrom, cursorFor } from '../sync/log.ts'

export const conversationEventsCollection = 'conversation_events'

/** The frames a conversation event is delivered as, besides `message.new`. */
export type ConversationEventFrame = ServerFrameOf<
  | 'message.updated'
  | 'message.deleted'
  | 'reaction'
  | 'member.added'
  | 'member.removed'
  | 'conversation.updated'
>

interface EventBase {
  /** `<conversationId>:<event>`, so the log is read by `_id` equality alone, as messages are (messages/store.ts). */
  _id: string
  conversationId: string
  /** The event's number in its conversation: 1, 2, 3, ... with no gap. */
  event: number
  actorId: string
  at: Date
}

/** One change, with the frame its members were sent. */
export type ConversationEventDocument = EventBase & {
  type: ConversationEventFrame['type']
  frame: ConversationEventFrame
}

export const conversationEventId = (conversationId: string, event: number) => `${conversationId}:${event}`

export const conversationEventsOf = (db: Db) =>
  db.collection<ConversationEventDocument>(conversationEventsCollection)

/** Event numbers taken: the first of them, and where their transaction commits (for the frames' sync cursor). */
export interface Taken {
  first: number
  committed: Committed
}

/**
 * Takes the next `count` event numbers on the conversation row (locking it until the transaction ends); the sync
 * log's trigger (migration 11) logs them. Only committed numbers are ever read back, so a number whose transaction
 * rolled back is simply taken again, and its record written again (recordEvents replaces).
 */
export async function takeEvents(tx: ISql, conversationId: string, count = 1): Promise<Taken> {
  const [row] = await tx<{ last: string; syncSnapshot: string; syncXid: string }[]>`
    update conversations set last_event = last_event + ${count} where id = ${conversationId}
    returning last_event::text as last, ${committedColumns(tx)}`
  if (!row) throw new Error(`conversation ${conversationId} vanished while locked`)
  return { first: Number(row.last) - count + 1, committed: committedFrom(row) }
}

/**
 * Writes the records under their numbers; a record already there (left by a transaction that wrote it and then
 * rolled back) is replaced, so a number holds the event that committed it. Written under the conversation row's
 * lock (logEvents), so never two at once for one number.
 */
export async function recordEvents(db: Db, events: readonly ConversationEventDocument[]): Promise<void> {
  await Promise.all(
    events.map((event) => conversationEventsOf(db).replaceOne({ _id: event._id }, event, { upsert: true })),
  )
}

/** The recorded events at these numbers, in order; one `_id` lookup each, side by side. */
export async function eventsAt(
  db: Db,
  conversationId: string,
  numbers: readonly number[],
): Promise<ConversationEventDocument[]> {
  const found = await Promise.all(
    numbers.map((n) => conversationEventsOf(db).findOne({ _id: conversationEventId(conversationId, n) })),
  )
  return found.filter((event) => event !== null).sort((a, b) => a.event - b.event)
}

/**
 * Numbers and records `frames` as the conversation's next events, in order, inside the transaction `tx` that holds
 * (or now takes) the conversation row's lock: the numbers commit with the change they describe, after their records.
 */
export async function logEvents(
  tx: ISql,
  db: Db,
  conversationId: string,
  actorId: string,
  frames: readonly ConversationEventFrame[],
  at = new Date(),
): Promise<Taken | undefined> {
  if (frames.length === 0) return undefined
  const taken = await takeEvents(tx, conversationId, frames.length)
  const { first } = taken
  await recordEvents(
    db,
    frames.map((frame, i) => ({
      _id: conversationEventId(conversationId, first + i),
      conversationId,
      event: first + i,
      actorId,
      at,
      type: frame.type,
      frame,
    })),
  )
  return taken
}

/** The frames of events taken together, each with its number and the cursor of their transaction. */
export async function placedEvents<F extends ConversationEventFrame>(
  sql: Sql,
  frames: readonly F[],
  taken: Taken,
): Promise<F[]> {
  const cursor = await cursorFor(sql, taken.committed)
  return frames.map((frame, i) => placed(frame, { event: taken.first + i, cursor }))
}
