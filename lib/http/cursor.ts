// Opaque list cursors: a small JSON object, base64url-encoded, validated on the way back in.
import * as z from 'zod'
import { InvalidError } from '../errors.ts'

export interface CursorCodec<T> {
  encode(cursor: T): string
  /** Anything but a cursor this list produced is a 400 naming the cursor, never a 500 further down. */
  decode(text: string): T
}

export function cursorCodec<S extends z.ZodType>(shape: S): CursorCodec<z.output<S>> {
  return {
    encode: (cursor) => Buffer.from(JSON.stringify(cursor)).toString('base64url'),
    decode(text) {
      try {
        return shape.parse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')))
      } catch {
        throw new InvalidError('The cursor is not one this list returned.', [
          { path: 'query.cursor', message: 'is not valid' },
        ])
      }
    },
  }
}

/**
 * A position in a list ordered by (timestamp, id). The timestamp is whole microseconds since 1970 as text
 * (a JS Date would cut it to milliseconds); 16 digits at most, so every value that passes is one PostgreSQL
 * can hold. Select it as `(extract(epoch from t) * 1000000)::bigint::text` and compare it back with
 * `timestamptz 'epoch' + $at::bigint * interval '1 microsecond'`.
 */
export const timeCursor = cursorCodec(z.strictObject({ at: z.string().regex(/^-?\d{1,16}$/), id: z.uuid() }))
