// RFC 9457 problem documents: the body of every HTTP error, and the codes an `error` frame shares with it.
import * as z from 'zod'

/** The `code` of a problem document and of an `error` frame; each is one typed error of lib/errors.ts. */
export const errorCode = z.enum([
  'invalid_request',
  'unauthorized',
  'forbidden',
  'email_unverified',
  'not_found',
  'conflict',
  'cursor_expired',
  'payload_too_large',
  'unsupported_media_type',
  'rate_limited',
  'unavailable',
  'internal',
])
export type ErrorCode = z.infer<typeof errorCode>

export const fieldError = z.object({
  /** Where the value was: `body.email`, `query.limit`, or for a frame `clientMsgId`. */
  path: z.string(),
  message: z.string(),
})

export const problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: errorCode,
    errors: z.array(fieldError).optional(),
  })
  .meta({ id: 'Problem' })
export type Problem = z.infer<typeof problem>
