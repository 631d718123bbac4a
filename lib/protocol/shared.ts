// The small shapes every list and every message reference shares: ids, seq, times, cursors, limits, pages.
import * as z from 'zod'

/** PostgreSQL prints uuids in lower case; ids are compared and ordered as it prints them. */
export const entityId = (what: string) =>
  z.uuid({ message: `must be a ${what} id (UUID)` }).transform((id) => id.toLowerCase())

/** A uuid as the server prints it: what responses and frames carry. */
export const id = z.uuid()

/** An instant as the server prints it: ISO 8601 in UTC. */
export const isoTime = z.iso.datetime({ offset: true })

/** A message's place in its conversation, as clients send it back in a JSON body (read markers). */
export const seq = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)
/** The same in a query string (history bounds). */
export const seqParameter = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER)

/** An opaque position in a list: a previous page's `nextCursor`, sent back unchanged. */
export const cursor = z.string().max(200)

/** How many items a page holds, read from the query string. */
export const limit = (max: number, byDefault: number) =>
  z.coerce.number().int().min(1).max(max).default(byDefault)

/** The query fields of every keyset-paginated list. */
export const pageQuery = (max: number, byDefault: number) => ({
  cursor: cursor.optional(),
  limit: limit(max, byDefault),
})

/** One page of a list: its items and where the next page starts (null on the last). */
export const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: cursor.nullable() })

export interface Page<T> {
  items: T[]
  nextCursor: string | null
}
