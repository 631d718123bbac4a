// JSON request bodies: a size cap checked before parsing, then middy's parser, with client errors as 4xx.
import type middy from '@middy/core'
import httpJsonBodyParser from '@middy/http-json-body-parser'
import { config } from '../config.ts'
import { InvalidError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors.ts'
import type { HttpContext, HttpEvent, HttpResult } from './stack.ts'

const jsonMediaType = /^application\/(?:[\w.+-]+\+)?json\s*(?:;.*)?$/i

/** Bytes the body will occupy once decoded, without decoding it. */
function decodedSize(body: string, base64: boolean): number {
  if (!base64) return Buffer.byteLength(body, 'utf8')
  const padding = body.endsWith('==') ? 2 : body.endsWith('=') ? 1 : 0
  return Math.floor((body.length * 3) / 4) - padding
}

/**
 * middy's parser answers malformed JSON with 415 and has no size limit; both are settled here so the client
 * hears 413, 415 or 400 for the right reason.
 */
export function jsonBody(
  maxBytes: number = config().HTTP_MAX_BODY_BYTES,
): middy.MiddlewareObj<HttpEvent, HttpResult, Error, HttpContext> {
  // The media type is checked above; middy's typings omit the option that skips its own check.
  const options: Record<string, unknown> = { disableContentTypeCheck: true }
  const parser = httpJsonBodyParser(options)
  return {
    before: async (request) => {
      const { body, isBase64Encoded, headers } = request.event
      if (body === undefined || body === '') throw new InvalidError('A JSON request body is required.')
      const size = decodedSize(body, isBase64Encoded)
      if (size > maxBytes) {
        throw new PayloadTooLargeError(
          `The request body has ${size} bytes; at most ${maxBytes} are accepted.`,
        )
      }
      if (!jsonMediaType.test(headers?.['content-type'] ?? '')) {
        throw new UnsupportedMediaTypeError('Send the request body as application/json.')
      }
      try {
        await parser.before?.(request as never)
      } catch (error) {
        throw new InvalidError('The request body is not valid JSON.', [], { cause: error })
      }
    },
  }
}
