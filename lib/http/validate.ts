// zod validation of body, path and query: the handler sees typed values, the client a field-by-field 400.
import type middy from '@middy/core'
import type * as z from 'zod'
import { type FieldError, InvalidError } from '../errors.ts'
import type { HttpContext, HttpEvent, HttpResult } from './stack.ts'

export interface InputSchemas {
  body?: z.ZodType
  path?: z.ZodType
  query?: z.ZodType
}

export interface ParsedInput {
  body: unknown
  path: unknown
  query: unknown
}

/** PostgreSQL text cannot hold U+0000, so such input is refused here rather than failing in the store. */
function nulCharacters(part: string, value: unknown, path: string[] = []): FieldError[] {
  if (typeof value === 'string') {
    return value.includes('\u0000')
      ? [{ path: [part, ...path].join('.'), message: 'must not contain NUL characters' }]
      : []
  }
  // No schema of ours nests deeply; deeper input fails validation anyway, and must not exhaust the stack here.
  if (typeof value !== 'object' || value === null || path.length > 16) return []
  return Object.entries(value).flatMap(([key, item]) =>
    key.includes('\u0000')
      ? [{ path: part, message: 'field names must not contain NUL characters' }]
      : nulCharacters(part, item, [...path, key]),
  )
}

function fieldErrors(part: string, error: z.ZodError): FieldError[] {
  return error.issues.flatMap((issue) => {
    const at = [part, ...issue.path.map(String)].join('.')
    // One entry per unknown key, so the client is told exactly which field to drop.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: `${at}.${key}`, message: 'is not a known field' }))
    }
    return [{ path: at, message: issue.message }]
  })
}

export function validate(
  schemas: InputSchemas,
): middy.MiddlewareObj<HttpEvent, HttpResult, Error, HttpContext> {
  return {
    before: (request) => {
      const { event } = request
      const sources = {
        body: event.body as unknown,
        path: event.pathParameters ?? {},
        query: event.queryStringParameters ?? {},
      }
      const errors: FieldError[] = []
      const input: ParsedInput = { body: undefined, path: {}, query: {} }
      for (const part of ['body', 'path', 'query'] as const) {
        const schema = schemas[part]
        if (!schema) continue
        const nul = nulCharacters(part, sources[part])
        if (nul.length > 0) {
          errors.push(...nul)
          continue
        }
        const result = schema.safeParse(sources[part])
        if (result.success) input[part] = result.data
        else errors.push(...fieldErrors(part, result.error))
      }
      if (errors.length > 0) {
        const summary = errors.slice(0, 3).map((error) => `${error.path}: ${error.message}`)
        throw new InvalidError(`Invalid request: ${summary.join('; ')}.`, errors.slice(0, 20))
      }
      request.context.input = input
    },
  }
}
