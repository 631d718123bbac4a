// The local HTTP API: routes a request, hands Lambda a payload format 2.0 event, answers as API Gateway would.
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http'
import { preflightHeaders, responseCorsHeaders } from '../../cors.ts'
import type { Site } from '../site.ts'
import { gatewayId, httpEvent } from './events.ts'
import { httpRouter } from './http-routes.ts'
import { FunctionTimeoutError } from './lambda.ts'
import { type GatewayOptions, listen, type RunningServer } from './listen.ts'

export interface HttpGatewayOptions extends GatewayOptions {
  /** HTTP API payloads are capped at 10 MB. */
  maxBodyBytes?: number
  /** Origins CORS allows (infra/cors.ts), as the stack configures API Gateway; none: CORS off. */
  allowedOrigins?: readonly string[]
  /** Pages served for a GET no route matches (npm run dev: the API documents and the web client). */
  site?: Site
}

interface Reply {
  statusCode: number
  headers: OutgoingHttpHeaders
  body: Buffer
}

const jsonReply = (statusCode: number, body: unknown): Reply => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: Buffer.from(JSON.stringify(body)),
})

/** Reads the whole body; undefined when it is over the limit (read to the end so the client sees the answer). */
async function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size <= limit) chunks.push(chunk)
  }
  return size > limit ? undefined : Buffer.concat(chunks)
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** Lower-cased request headers, the last value of a repeated one winning. */
function headersOf(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {}
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2)
    headers[(request.rawHeaders[i] as string).toLowerCase()] = request.rawHeaders[i + 1] as string
  return headers
}

/** API Gateway's CORS over the integration's answer: its own headers replace any the function set. */
function withCors(reply: Reply, cors: Record<string, string> | undefined): Reply {
  if (!cors) return reply
  const headers: OutgoingHttpHeaders = {}
  for (const [name, value] of Object.entries(reply.headers))
    if (!name.startsWith('access-control-')) headers[name] = value
  return { ...reply, headers: { ...headers, ...cors } }
}

/** A result with a statusCode is used as given; any other value becomes a 200 JSON body, as payload 2.0 infers. */
function replyOf(result: unknown): Reply | undefined {
  if (!isRecord(result) || !('statusCode' in result)) {
    const body = typeof result === 'string' ? result : JSON.stringify(result)
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(body) }
  }
  const { statusCode, headers = {}, cookies = [], body = '', isBase64Encoded = false } = result
  const valid =
    Number.isInteger(statusCode) &&
    typeof statusCode === 'number' &&
    statusCode >= 100 &&
    statusCode <= 599 &&
    isRecord(headers) &&
    Array.isArray(cookies) &&
    typeof body === 'string'
  if (!valid) return undefined
  const outgoing: OutgoingHttpHeaders = {}
  for (const [name, value] of Object.entries(headers)) outgoing[name.toLowerCase()] = String(value)
  if (cookies.length > 0) outgoing['set-cookie'] = cookies.map(String)
  return {
    statusCode,
    headers: outgoing,
    body: Buffer.from(body, isBase64Encoded === true ? 'base64' : 'utf8'),
  }
}

export function startHttpGateway(options: HttpGatewayOptions): Promise<RunningServer> {
  const { functions, ids, log } = options
  const integrationTimeoutMs = options.integrationTimeoutMs ?? 29_000
  const maxBodyBytes = options.maxBodyBytes ?? 10 * 1024 * 1024
  const route = httpRouter(options.table.httpRoutes)
  const allowedOrigins = options.allowedOrigins ?? []

  async function serve(
    request: IncomingMessage,
  ): Promise<{ reply: Reply; requestId: string; target?: string }> {
    const method = request.method ?? 'GET'
    const headers = headersOf(request)
    const preflight = preflightHeaders(method, headers, allowedOrigins)
    if (preflight) {
      await readBody(request, 0)
      return { reply: { statusCode: 204, headers: preflight, body: Buffer.alloc(0) }, requestId: gatewayId() }
    }
    const cors = responseCorsHeaders(headers.origin, allowedOrigins)
    const answered = await invokeRoute(request, method)
    return { ...answered, reply: withCors(answered.reply, cors) }
  }

  async function invokeRoute(
    request: IncomingMessage,
    method: string,
  ): Promise<{ reply: Reply; requestId: string; target?: string }> {
    const [rawPath = '/', rawQueryString = ''] = (request.url ?? '/').split(/\?(.*)/s)
    const body = await readBody(request, maxBodyBytes)
    if (!body)
      return { reply: jsonReply(413, { message: 'Request Entity Too Large' }), requestId: gatewayId() }
    const matched = route(method, rawPath)
    const page = !matched && method === 'GET' ? await options.site?.(rawPath) : undefined
    if (page)
      return {
        reply: { statusCode: 200, headers: { 'content-type': page.contentType }, body: page.body },
        requestId: gatewayId(),
      }
    if (!matched) return { reply: jsonReply(404, { message: 'Not Found' }), requestId: gatewayId() }
    const event = httpEvent(
      {
        method,
        rawPath,
        rawQueryString,
        rawHeaders: request.rawHeaders,
        sourceIp: request.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
        localPort: request.socket.localPort ?? options.port,
        protocol: `HTTP/${request.httpVersion}`,
        body,
      },
      matched,
      ids,
    )
    const requestId = event.requestContext.requestId
    try {
      const result = await functions.invoke(matched.function, event, { timeoutMs: integrationTimeoutMs })
      const reply = replyOf(result)
      if (!reply) log(`${matched.function} returned a malformed response: ${JSON.stringify(result)}`)
      return {
        reply: reply ?? jsonReply(500, { message: 'Internal Server Error' }),
        requestId,
        target: matched.function,
      }
    } catch (error) {
      if (error instanceof FunctionTimeoutError) {
        log(error.message)
        return { reply: jsonReply(504, { message: 'Endpoint request timed out' }), requestId }
      }
      log(
        `${matched.function} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      )
      return {
        reply: jsonReply(500, { message: 'Internal Server Error' }),
        requestId,
        target: matched.function,
      }
    }
  }

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const started = performance.now()
    serve(request)
      .then(({ reply, requestId, target }) => {
        response.writeHead(reply.statusCode, { ...reply.headers, 'apigw-requestid': requestId })
        response.end(reply.body)
        const took = (performance.now() - started).toFixed(1)
        log(
          `${request.method} ${request.url} -> ${reply.statusCode} ${took} ms${target ? ` (${target})` : ''}`,
        )
      })
      .catch((error: unknown) => {
        log(`HTTP gateway could not answer ${request.method} ${request.url}: ${String(error)}`)
        response.destroy()
      })
  })
  return listen(server, options.port)
}
