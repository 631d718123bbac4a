// The @connections management API (POST, GET, DELETE) that the unchanged AWS SDK client calls, on the WebSocket port;
// and the same POST and DELETE as calls, for handlers running in this process (lib/stores/ws-management.ts).
import type { IncomingMessage, ServerResponse } from 'node:http'
import { type ConnectionsApi, ConnectionsApiError } from '../../../lib/stores/ws-management.ts'
import type { LiveConnection } from './websocket.ts'

const maxPostBytes = 128 * 1024

/** `/@connections/{id}`, or `/{stage}/@connections/{id}` when the endpoint carries a stage path. */
const connectionPath = /^(?:\/[^/]+)?\/@connections\/([^/]+)$/

interface Outcome {
  status: number
  body?: unknown
  /** The SDK names the error it throws after this (`x-amzn-errortype`): GoneException, PayloadTooLargeException, ... */
  errorType?: string
}

const refusal = (status: number, message: string, errorType: string): Outcome => ({
  status,
  body: { message },
  errorType,
})

/** What a call does to the connection, whichever way it came. */
async function act(
  connections: Map<string, LiveConnection>,
  method: string | undefined,
  connectionId: string,
  body: Uint8Array,
): Promise<Outcome> {
  const live = connections.get(connectionId)
  if (!live || live.socket.readyState !== live.socket.OPEN)
    return refusal(410, `Connection ${connectionId} is gone`, 'GoneException')
  switch (method) {
    case 'POST': {
      if (body.byteLength > maxPostBytes) return refusal(413, 'Payload too large', 'PayloadTooLargeException')
      await new Promise<void>((resolve, reject) =>
        live.socket.send(body, { binary: false }, (error) => (error ? reject(error) : resolve())),
      )
      return { status: 200 }
    }
    case 'GET':
      return {
        status: 200,
        body: {
          connectedAt: new Date(live.facts.connectedAt).toISOString(),
          identity: live.facts.identity,
          lastActiveAt: new Date(live.lastActiveAt).toISOString(),
        },
      }
    case 'DELETE':
      live.close(1000, 'Connection closed by the server')
      return { status: 204 }
    default:
      return { status: 404, body: { message: 'Not Found' } }
  }
}

function answer(response: ServerResponse, { status, body, errorType }: Outcome) {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (errorType) headers['x-amzn-errortype'] = errorType
  response.writeHead(status, headers)
  response.end(body === undefined ? undefined : JSON.stringify(body))
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of request as AsyncIterable<Buffer>) chunks.push(chunk)
  return Buffer.concat(chunks)
}

async function serve(
  connections: Map<string, LiveConnection>,
  request: IncomingMessage,
  response: ServerResponse,
) {
  const pathname = (request.url ?? '/').split('?')[0] ?? '/'
  const rawId = connectionPath.exec(pathname)?.[1]
  if (!rawId) return answer(response, { status: 404, body: { message: 'Not Found' } })
  const body = await readBody(request)
  answer(response, await act(connections, request.method, decodeURIComponent(rawId), body))
}

export function connectionsEndpoint(connections: Map<string, LiveConnection>) {
  return (request: IncomingMessage, response: ServerResponse) => {
    serve(connections, request, response).catch((error: unknown) =>
      answer(response, refusal(500, String(error), 'InternalServerErrorException')),
    )
  }
}

/** POST and DELETE as the HTTP endpoint answers them, a refusal thrown as the HTTP client throws it. */
export function connectionsHere(connections: Map<string, LiveConnection>): ConnectionsApi {
  const call = async (method: 'POST' | 'DELETE', connectionId: string, body: Uint8Array) => {
    const {
      status,
      body: said,
      errorType,
    } = await act(connections, method, connectionId, body).catch((error: unknown) =>
      refusal(500, String(error), 'InternalServerErrorException'),
    )
    if (status >= 300)
      throw new ConnectionsApiError(
        errorType ?? `HttpError${status}`,
        status,
        (said as { message: string }).message,
      )
  }
  return {
    post: (connectionId, data) => call('POST', connectionId, data),
    delete: (connectionId) => call('DELETE', connectionId, new Uint8Array()),
  }
}
