// Catching up: every event a user should have seen since a cursor, across their conversations and friend events,
// as the frames live delivery sends, each with the cursor after it.
import type { Db } from 'mongodb'
import { CursorExpiredError } from '../errors.ts'
import { conversationEventId, eventsAt } from '../events/conversation-log.ts'
import { type Reader, readerViews } from '../messages/history.ts'
import { type Message, type MessageDocument, messageId, messagesAt, storeFault } from '../messages/store.ts'
import { frames, placed, type SyncedFrame } from '../protocol/ws.ts'
import type { Sql } from '../stores/postgres.ts'
import { type CursorCodec, cursorCodec, type Position } from './cursor.ts'
import { currentSnapshot, cursorSecret, type LogRow, readLog } from './log.ts'

export interface SyncContext {
  sql: Sql
  mongo: Db
  retentionMs: number
  now?: () => number
}

export interface SyncPage {
  /** In order: a conversation's events by number, all of them as their transactions committed. */
  events: SyncedFrame[]
  /** Where the next call continues; with no event, where it stands now. */
  cursor: string
  /** More events wait: call again with `cursor` at once. */
  hasMore: boolean
}

/**
 * A new message's event commits before its message is written (messages/send.ts); met that soon, the send is still
 * storing and the page stops short of it. Met later, the send was abandoned and its seq stays empty: skipped.
 */
const storingGraceMs = 10_000

export async function codecFor(ctx: Pick<SyncContext, 'sql' | 'retentionMs'>): Promise<CursorCodec> {
  return cursorCodec(await cursorSecret(ctx.sql), ctx.retentionMs)
}

/** The cursor of the present: a client that has just read the history starts its sync here. */
export async function currentCursor(ctx: SyncContext): Promise<string> {
  const [codec, snapshot] = await Promise.all([codecFor(ctx), currentSnapshot(ctx.sql)])
  return codec.encode({ seen: snapshot, seenAt: ctx.now?.() ?? Date.now() })
}

/**
 * What a page's conversation events need from MongoDB, fetched side by side by `_id`: the records of changes, and the
 * messages (as `hides` lets the reader see them) that new-message events name and changes are about.
 */
async function documentsFor(db: Db, rows: readonly LogRow[], hides: ReadonlySet<string>) {
  const byConversation = new Map<string, LogRow[]>()
  for (const row of rows) {
    if (row.conversationId === null) continue
    const ofConversation = byConversation.get(row.conversationId)
    if (ofConversation) ofConversation.push(row)
    else byConversation.set(row.conversationId, [row])
  }
  const changes = new Map<string, SyncedFrame>()
  const messages = new Map<string, { document: MessageDocument; view: Message }>()
  await Promise.all(
    [...byConversation].map(async ([conversationId, conversationRows]) => {
      const numbers = conversationRows.flatMap((row) => (row.seq === null ? [row.event as number] : []))
      const records = await eventsAt(db, conversationId, numbers)
      const seqs = new Set<number>()
      for (const row of conversationRows) if (row.seq !== null) seqs.add(row.seq)
      for (const record of records) {
        changes.set(record._id, record.frame)
        if ('seq' in record.frame) seqs.add(record.frame.seq)
      }
      const reader: Reader = {
        type: conversationRows[0]?.conversationType ?? 'group',
        lastSeq: 0,
        hides: conversationRows[0]?.conversationType === 'group' ? new Set(hides) : new Set<string>(),
        members: [],
      }
      const documents = await messagesAt(
        db,
        conversationId,
        [...seqs].sort((a, b) => a - b),
      )
      const views = await readerViews(db, reader, conversationId, documents)
      documents.forEach((document, i) => {
        messages.set(messageId(conversationId, document.seq), { document, view: views[i] as Message })
      })
    }),
  )
  return { changes, messages }
}

/**
 * The frame a log row is replayed as; undefined for one the reader is not shown (in a group, edits and reactions
 * to the messages of someone they blocked: a delete, yes, as live), 'storing' for a new message not stored yet.
 */
function frameOf(
  row: LogRow,
  changes: ReadonlyMap<string, SyncedFrame>,
  messages: ReadonlyMap<string, { document: MessageDocument; view: Message }>,
  hides: ReadonlySet<string>,
): SyncedFrame | 'storing' | undefined {
  if (row.conversationId === null) return row.frame ?? undefined
  if (row.seq !== null) {
    const message = messages.get(messageId(row.conversationId, row.seq))
    return message ? frames.messageNew(message.view) : 'storing'
  }
  const frame = changes.get(conversationEventId(row.conversationId, row.event as number))
  if (!frame) return undefined
  const about = 'seq' in frame ? messages.get(messageId(row.conversationId, frame.seq))?.document : undefined
  const hidden =
    row.conversationType === 'group' &&
    frame.type !== 'message.deleted' &&
    about !== undefined &&
    hides.has(about.senderId)
  return hidden ? undefined : frame
}

/**
 * One page of the user's events after `cursorText`. A cursor that does not verify, or is older than the retention
 * period, is a 410: the client reads the history again and starts over from `currentCursor`. In groups, messages of
 * users the reader blocked come hidden and changes to them not at all, as live. Two PostgreSQL reads at most (the
 * key once per process, then the log with the reader's blocks) and MongoDB lookups by `_id`.
 */
export async function syncSince(
  ctx: SyncContext,
  userId: string,
  cursorText: string,
  limit: number,
): Promise<SyncPage> {
  const now = ctx.now?.() ?? Date.now()
  const codec = await codecFor(ctx)
  const position = codec.decode(cursorText, now)
  if (position === 'forged')
    throw new CursorExpiredError('This cursor was not issued here; resync from history.')
  if (position === 'expired')
    throw new CursorExpiredError('This cursor is older than the retention period; resync from history.')
  const read = await readLog(ctx.sql, userId, position, limit + 1)
  const upTo = position.upTo ?? read.snapshot
  const upToAt = position.upToAt ?? now
  const rows = read.rows.slice(0, limit)
  let hasMore = read.rows.length > limit
  const hides = new Set(read.hides)
  const { changes, messages } = await documentsFor(ctx.mongo, rows, hides).catch((error: unknown) => {
    throw storeFault(error, 'Sync is unavailable right now; retry shortly.')
  })
  const cursorAfter = (id: string): Position => ({ ...position, upTo, upToAt, after: id })

  const events: SyncedFrame[] = []
  /** The position after the last row dealt with, shown or skipped. */
  let last: Position = position
  // A message stored by a retry is logged twice (log.ts relogMessage); a page shows it once.
  const shown = new Set<string>()
  for (const row of rows) {
    const after = cursorAfter(row.id)
    const key =
      row.conversationId === null ? undefined : conversationEventId(row.conversationId, row.event as number)
    const frame = key !== undefined && shown.has(key) ? undefined : frameOf(row, changes, messages, hides)
    if (frame === 'storing') {
      if (now - Date.parse(row.at) < storingGraceMs) {
        // Stop before it: the next call finds it stored.
        hasMore = true
        break
      }
    } else if (frame) {
      if (key !== undefined) shown.add(key)
      events.push(
        placed(frame, { cursor: codec.encode(after), ...(row.event !== null && { event: row.event }) }),
      )
    }
    last = after
  }
  const cursor = codec.encode(hasMore ? last : { seen: upTo, seenAt: upToAt })
  return { events, cursor, hasMore }
}

/** GET /sync: a page from the cursor, or with none the cursor of now. */
export async function syncPageFor(
  ctx: SyncContext,
  userId: string,
  query: { cursor?: string | undefined; limit: number },
): Promise<SyncPage> {
  if (query.cursor === undefined) return { events: [], cursor: await currentCursor(ctx), hasMore: false }
  return syncSince(ctx, userId, query.cursor, query.limit)
}
