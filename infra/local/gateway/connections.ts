// The @connections management API (POST, GET, DELETE) that the unchanged AWS SDK client calls, on the WebSocket port.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { LiveConnection } from './websocket.ts'

const maxPostBytes = 128 * 1024

/** `/@connections/{id}`, or `/{stage}/@connections/{id}` when the endpoint carries a stage path. */
const connectionPath = /^(?:\/[^/]+)?\/@connections\/([^/]+)$/

function answer(response: ServerResponse, status: number, body?: unknown, errorType?: string) {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  // The SDK names the error it throws after this header (GoneException, PayloadTooLargeException, ...).
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
  if (!rawId) return answer(response, 404, { message: 'Not Found' })
  const connectionId = decodeURIComponent(rawId)
  const body = await readBody(request)
  const live = connections.get(connectionId)
  if (!live || live.socket.readyState !== live.socket.OPEN) {
    return answer(response, 410, { message: `Connection ${connectionId} is gone` }, 'GoneException')
  }
  switch (request.method) {
    case 'POST': {
      if (body.length > maxPostBytes)
        return answer(response, 413, { message: 'Payload too large' }, 'PayloadTooLargeException')
      await new Promise<void>((resolve, reject) =>
        live.socket.send(body, { binary: false }, (error) => (error ? reject(error) : resolve())),
      )
      return answer(response, 200)
    }
    case 'GET':
      return answer(response, 200, {
        connectedAt: new Date(live.facts.connectedAt).toISOString(),
        identity: live.facts.identity,
        lastActiveAt: new Date(live.lastActiveAt).toISOString(),
      })
    case 'DELETE':
      live.close(1000, 'Connection closed by the server')
      return answer(response, 204)
    default:
      return answer(response, 404, { message: 'Not Found' })
  }
}

export function connectionsEndpoint(connections: Map<string, LiveConnection>) {
  return (request: IncomingMessage, response: ServerResponse) => {
    serve(connections, request, response).catch((error: unknown) =>
      answer(response, 500, { message: String(error) }, 'InternalServerErrorException'),
    )
  }
}
