// The sync log in PostgreSQL (migration 11): the cursor key, user events as they commit, and a user's events since
// a cursor, read by index.
import type { ISql } from 'postgres'
import type { ServerFrameOf } from '../protocol/ws.ts'
import type { Sql } from '../stores/postgres.ts'
import { type Position, signedCursor, withCommitted } from './cursor.ts'

/** A committed transaction's place: the snapshot it read, with itself counted as committed. */
export interface Committed {
  snapshot: string
  at: number
}

/** The PostgreSQL expressions that give a `Committed` from inside the transaction. */
export const committedColumns = (tx: ISql) =>
  tx`pg_current_snapshot()::text as "syncSnapshot", pg_current_xact_id()::text as "syncXid"`

export function committedFrom(row: { syncSnapshot: string; syncXid: string }, at = Date.now()): Committed {
  return { snapshot: withCommitted(row.syncSnapshot, row.syncXid), at }
}

const secrets = new WeakMap<object, Promise<string>>()

/** The key cursors are signed with; read once per database client. */
export function cursorSecret(sql: Sql): Promise<string> {
  let secret = secrets.get(sql)
  if (!secret) {
    secret = sql<{ secret: string }[]>`select secret from sync_cursor_key`.then(([row]) => {
      if (!row) throw new Error('sync_cursor_key holds no key: migration 11 has not run')
      return row.secret
    })
    secret.catch(() => secrets.delete(sql))
    secrets.set(sql, secret)
  }
  return secret
}

/** The cursor a live frame carries: everything its transaction committed, and all committed before it, seen. */
export async function cursorFor(sql: Sql, committed: Committed): Promise<string> {
  return signedCursor(await cursorSecret(sql), { seen: committed.snapshot, seenAt: committed.at })
}

export type UserEventFrame = ServerFrameOf<'friend.request' | 'friend.accepted'>

/** Logs a user event inside the transaction that makes it true; returns where that transaction commits. */
export async function logUserEvent(tx: ISql, userId: string, frame: UserEventFrame): Promise<Committed> {
  const [row] = await tx<{ syncSnapshot: string; syncXid: string }[]>`
    insert into sync_log (user_id, frame) values (${userId}, ${tx.json(frame as never)})
    returning ${committedColumns(tx)}`
  return committedFrom(row as { syncSnapshot: string; syncXid: string })
}

/**
 * Logs a new message's event again, in its own transaction: for a message stored by a retry after its event was
 * logged (messages/send.ts), so readers past the first entry, which showed nothing, meet it now.
 */
export async function relogMessage(
  sql: Sql,
  conversationId: string,
  event: number,
  seq: number,
): Promise<Committed> {
  const [row] = await sql<{ syncSnapshot: string; syncXid: string }[]>`
    insert into sync_log (conversation_id, event, seq) values (${conversationId}, ${event}, ${seq})
    returning ${committedColumns(sql)}`
  return committedFrom(row as { syncSnapshot: string; syncXid: string })
}

/** The current snapshot: where a client with no cursor starts. */
export async function currentSnapshot(sql: Sql): Promise<string> {
  const [row] = await sql<{ snapshot: string }[]>`select pg_current_snapshot()::text as snapshot`
  return (row as { snapshot: string }).snapshot
}

export interface LogRow {
  id: string
  at: string
  /** A conversation event: its conversation, type, number, and for a new message its seq. */
  conversationId: string | null
  conversationType: 'direct' | 'group' | null
  event: number | null
  seq: number | null
  /** A user event's frame. */
  frame: UserEventFrame | null
}

export interface LogRead {
  rows: LogRow[]
  /** The snapshot this read saw: where a catch-up that started here reads up to. */
  snapshot: string
  /** Users the reader blocked: in groups, their messages are shown hidden. */
  hides: string[]
}

/**
 * The user's events committed after `position` (and, paging, visible in its `upTo`), in log order, at most
 * `limit`: those of the conversations while they were a member (conversation_spans) and those addressed to them.
 * Only rows written since the cursor's oldest running transaction are looked at, through the two partial indexes.
 */
export async function readLog(sql: Sql, userId: string, position: Position, limit: number): Promise<LogRead> {
  const seen = position.seen
  const upTo = position.upTo ?? null
  const after = position.after ?? '0'
  const since = sql`
    l.xid >= pg_snapshot_xmin(${seen}::pg_snapshot) and not pg_visible_in_snapshot(l.xid, ${seen}::pg_snapshot)
    and (${upTo}::pg_snapshot is null or pg_visible_in_snapshot(l.xid, ${upTo}::pg_snapshot))
    and l.id > ${after}::bigint`
  const [result] = await sql<{ snapshot: string; hides: string[]; rows: LogRow[] | null }[]>`
    select pg_current_snapshot()::text as snapshot,
           array(select b.blocked_id::text from blocks b where b.blocker_id = ${userId}) as hides,
           (select json_agg(page order by page.id) from (
              (select l.id, l.at, l.conversation_id as "conversationId", c.type as "conversationType",
                      l.event, l.seq, l.frame
               from conversation_spans m
               join sync_log l on l.conversation_id = m.conversation_id
                 and l.event >= m.from_event and (m.to_event is null or l.event <= m.to_event)
               join conversations c on c.id = l.conversation_id
               where m.user_id = ${userId} and ${since}
               order by l.id limit ${limit})
              union all
              (select l.id, l.at, null, null, null, null, l.frame
               from sync_log l
               where l.user_id = ${userId} and ${since}
               order by l.id limit ${limit})
              order by 1 limit ${limit}
           ) as page) as rows`
  const read = result as { snapshot: string; hides: string[]; rows: LogRow[] | null }
  return {
    snapshot: read.snapshot,
    hides: read.hides,
    rows: (read.rows ?? []).map((row) => ({ ...row, id: String(row.id) })),
  }
}

/** Forgets log rows older than the retention period, a batch at a time; returns how many went. */
export async function purgeLog(sql: Sql, retentionMs: number, batch = 5000): Promise<number> {
  const gone = await sql`
    delete from sync_log where id in (
      select id from sync_log where at < now() - ${retentionMs} * interval '1 millisecond' order by at limit ${batch})`
  return gone.count
}
