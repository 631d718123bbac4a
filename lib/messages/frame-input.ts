// Client frames read strictly: a size cap before parsing, then a zod schema, with field errors like HTTP's.
import type * as z from 'zod'
import { InvalidError, PayloadTooLargeError } from '../errors.ts'
import type { WsEvent } from '../ws/handler.ts'

/** Well under API Gateway's 128 KB, and roomy for the largest valid message frame. */
export const maxFrameBytes = 64 * 1024

export function parseFrame<S extends z.ZodType>(event: WsEvent, schema: S): z.output<S> {
  const text = event.body ?? ''
  const size = Buffer.byteLength(text, 'utf8')
  if (size > maxFrameBytes)
    throw new PayloadTooLargeError(`The frame has ${size} bytes; at most ${maxFrameBytes} are accepted.`)
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new InvalidError('The frame is not valid JSON.', [], { cause: error })
  }
  const result = schema.safeParse(json)
  if (result.success) return result.data
  const errors = result.error.issues.flatMap((issue) => {
    const at = issue.path.map(String).join('.') || '(frame)'
    if (issue.code === 'unrecognized_keys')
      return issue.keys.map((key) => ({
        path: at === '(frame)' ? key : `${at}.${key}`,
        message: 'is not a known field',
      }))
    return [{ path: at, message: issue.message }]
  })
  const summary = errors.slice(0, 3).map((error) => `${error.path}: ${error.message}`)
  throw new InvalidError(`Invalid frame: ${summary.join('; ')}.`, errors.slice(0, 20))
}
