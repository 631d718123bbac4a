// Sync cursors: a PostgreSQL snapshot ("what was committed then") and a place in the events after it, signed.
//
// Everything committed and visible in the snapshot `seen` has been seen. A page of a longer catch-up also names
// the snapshot it reads up to (`upTo`) and the last log id it returned (`after`): of the events visible in `upTo`
// and not in `seen`, those up to `after` are seen too. When a catch-up ends, its `upTo` becomes the next `seen`.
import { createHmac, timingSafeEqual } from 'node:crypto'
import * as z from 'zod'
import { config } from '../config.ts'

/** How long a cursor stays good and the log behind it is kept (SYNC_RETENTION_DAYS). */
export const retentionMs = () => config().SYNC_RETENTION_DAYS * 86_400_000

/** `xmin:xmax:xip,...` as PostgreSQL's pg_snapshot prints it. */
const snapshotText = z.string().regex(/^\d{1,20}:\d{1,20}:(\d{1,20}(,\d{1,20})*)?$/)

const positionSchema = z.strictObject({
  seen: snapshotText,
  /** When `seen` was taken (ms since 1970): a cursor is good for the retention period from then. */
  seenAt: z.number().int().nonnegative(),
  upTo: snapshotText.optional(),
  upToAt: z.number().int().nonnegative().optional(),
  after: z
    .string()
    .regex(/^\d{1,19}$/)
    .optional(),
})
export type Position = z.infer<typeof positionSchema>

/**
 * The snapshot with one more transaction counted as committed: a transaction's own id is in progress in its own
 * snapshot, and a frame's cursor must cover the event the frame tells. Ids between the old `xmax` and it were
 * running or not yet started when the snapshot was taken, so they stay invisible.
 */
export function withCommitted(snapshot: string, xid: string): string {
  const [xminText, xmaxText, xipText] = snapshot.split(':') as [string, string, string]
  const self = BigInt(xid)
  const xmin = BigInt(xminText)
  const xmax = BigInt(xmaxText)
  const running = new Set(xipText === '' ? [] : xipText.split(',').map(BigInt))
  if (self < xmin) return snapshot
  running.delete(self)
  let newXmax = xmax
  if (self >= xmax) {
    for (let id = xmax; id < self; id += 1n) running.add(id)
    newXmax = self + 1n
  }
  const ordered = [...running].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  // xmin is the oldest still running, or xmax when none is.
  const newXmin = ordered[0] ?? newXmax
  return `${newXmin}:${newXmax}:${ordered.join(',')}`
}

/** The cursor of a position, signed with `secret`. */
export function signedCursor(secret: string, position: Position): string {
  const payload = Buffer.from(JSON.stringify(position)).toString('base64url')
  return `${payload}.${createHmac('sha256', secret).update(payload).digest('base64url')}`
}

/** Why a cursor is refused: it was never ours (or was altered), or it is older than the retention period. */
export type CursorRefusal = 'forged' | 'expired'

export interface CursorCodec {
  encode(position: Position): string
  decode(text: string, now: number): Position | CursorRefusal
}

/**
 * `<base64url JSON>.<base64url HMAC-SHA256>` under the database's cursor key (migration 11), so no function needs a
 * secret of its own and every function that writes events can sign the cursors of the frames it sends.
 */
export function cursorCodec(secret: string, retentionMs: number): CursorCodec {
  const mac = (payload: string) => createHmac('sha256', secret).update(payload).digest()
  return {
    encode: (position) => signedCursor(secret, position),
    decode(text, now) {
      const [payload, signature, extra] = text.split('.')
      if (!payload || !signature || extra !== undefined) return 'forged'
      const expected = mac(payload)
      const given = Buffer.from(signature, 'base64url')
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'forged'
      let parsed: z.ZodSafeParseResult<Position>
      try {
        parsed = positionSchema.safeParse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')))
      } catch {
        return 'forged'
      }
      if (!parsed.success) return 'forged'
      return now - parsed.data.seenAt > retentionMs ? 'expired' : parsed.data
    },
  }
}
