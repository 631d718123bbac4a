// The local WebSocket API: authorizer and $connect at the handshake, frames routed by action, $disconnect, limits.
import { createServer, type IncomingMessage, STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import { type WebSocket, WebSocketServer } from 'ws'
import { serveConnectionsHere } from '../../../lib/stores/ws-management.ts'
import { authorize } from './authorizer.ts'
import { connectionsEndpoint, connectionsHere } from './connections.ts'
import {
  type ConnectionFacts,
  gatewayId,
  type RequestFacts,
  wsConnectEvent,
  wsDisconnectEvent,
  wsMessageEvent,
} from './events.ts'
import { FunctionTimeoutError } from './lambda.ts'
import { type GatewayOptions, listen, type RunningServer } from './listen.ts'

export interface LiveConnection {
  facts: ConnectionFacts
  lastActiveAt: number
  socket: WebSocket
  /** Closes from the server side; `$disconnect` then reports this code and reason. */
  close(code: number, reason: string): void
}

export interface WebSocketGatewayOptions extends GatewayOptions {
  idleTimeoutMs?: number
  maxDurationMs?: number
}

/** API Gateway's WebSocket quotas (ARCHITECTURE.md section 5). */
const limits = { maxMessageBytes: 128 * 1024, idleTimeoutMs: 10 * 60_000, maxDurationMs: 2 * 60 * 60_000 }

const describe = (error: unknown) => (error instanceof Error ? (error.stack ?? error.message) : String(error))

function requestFacts(request: IncomingMessage, port: number): RequestFacts {
  const [rawPath = '/', rawQueryString = ''] = (request.url ?? '/').split(/\?(.*)/s)
  return {
    method: request.method ?? 'GET',
    rawPath,
    rawQueryString,
    rawHeaders: request.rawHeaders,
    sourceIp: request.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
    localPort: request.socket.localPort ?? port,
    protocol: `HTTP/${request.httpVersion}`,
  }
}

function refuse(socket: Duplex, status: number, message: string) {
  const body = JSON.stringify({ message })
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  )
}

/** `$request.body.action` names the JSON field whose value is the route key. */
function routeSelector(expression: string): (body: string) => string | undefined {
  const path = /^\$request\.body\.(.+)$/.exec(expression)?.[1]?.split('.')
  if (!path) throw new Error(`Unsupported routeSelectionExpression ${expression}`)
  return (body) => {
    try {
      let value: unknown = JSON.parse(body)
      for (const key of path)
        value = typeof value === 'object' && value !== null ? Reflect.get(value, key) : undefined
      return typeof value === 'string' ? value : undefined
    } catch {
      return undefined
    }
  }
}

function headerOf(result: unknown, name: string): string | undefined {
  if (typeof result !== 'object' || result === null || !('headers' in result)) return undefined
  const headers: unknown = result.headers
  if (typeof headers !== 'object' || headers === null) return undefined
  const found = Object.entries(headers).find(([key]) => key.toLowerCase() === name)
  return found ? String(found[1]) : undefined
}

/** The @connections endpoint of the gateway listening on `port`: the handlers' WS_MANAGEMENT_ENDPOINT. */
export const managementEndpointAt = (port: number) => `http://127.0.0.1:${port}`

export async function startWebSocketGateway(options: WebSocketGatewayOptions): Promise<RunningServer> {
  const { table, functions, ids, log } = options
  const integrationTimeoutMs = options.integrationTimeoutMs ?? 29_000
  const routes = new Map(table.webSocket.routes.map((route) => [route.routeKey, route.function]))
  const selectRoute = routeSelector(table.webSocket.routeSelectionExpression)
  // API Gateway never routes a client frame to a `$` route: `$connect`/`$disconnect` are its own events.
  const routeKeyOf = (selected: string | undefined) =>
    selected !== undefined && !selected.startsWith('$') && routes.has(selected) ? selected : '$default'
  const connections = new Map<string, LiveConnection>()
  const disconnecting = new Set<Promise<unknown>>()
  const protocols = new WeakMap<IncomingMessage, string>()
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: limits.maxMessageBytes,
    // Only a protocol that $connect returned is echoed, as API Gateway does.
    handleProtocols: (_offered, request) => protocols.get(request) ?? false,
  })

  const invoke = (name: string, event: unknown) =>
    functions.invoke(name, event, { timeoutMs: integrationTimeoutMs })

  async function handshake(request: IncomingMessage, socket: Duplex, head: Buffer) {
    const facts = requestFacts(request, options.port)
    const connection: ConnectionFacts = {
      connectionId: gatewayId(),
      connectedAt: Date.now(),
      domainName: request.headers.host ?? `127.0.0.1:${options.port}`,
      identity: { sourceIp: facts.sourceIp, userAgent: request.headers['user-agent'] ?? '' },
    }
    if (table.webSocket.authorizer) {
      const decision = await authorize({
        authorizer: table.webSocket.authorizer,
        facts,
        connection,
        functions,
        ids,
        timeoutMs: integrationTimeoutMs,
      })
      if (!decision.allowed) {
        log(`$connect refused ${decision.status}: ${decision.why}`)
        return refuse(socket, decision.status, decision.message)
      }
      connection.authorizer = decision.authorizer
    }
    const connectFunction = routes.get('$connect')
    if (connectFunction) {
      let result: unknown
      try {
        result = await invoke(connectFunction, wsConnectEvent(facts, connection, ids))
      } catch (error) {
        log(`${connectFunction} failed: ${describe(error)}`)
        return refuse(socket, 500, 'Internal Server Error')
      }
      const status =
        typeof result === 'object' && result !== null && 'statusCode' in result ? result.statusCode : 200
      if (typeof status !== 'number' || status < 200 || status > 299) {
        log(`$connect refused by ${connectFunction} with ${String(status)}`)
        return refuse(socket, typeof status === 'number' ? status : 502, 'Forbidden')
      }
      const protocol = headerOf(result, 'sec-websocket-protocol')
      if (protocol) protocols.set(request, protocol)
    }
    if (socket.destroyed) return
    wss.handleUpgrade(request, socket, head, (ws) => open(ws, connection))
  }

  function open(socket: WebSocket, facts: ConnectionFacts) {
    let closing: { code: number; reason: string } | undefined
    let idle: NodeJS.Timeout | undefined
    const close = (code: number, reason: string) => {
      closing ??= { code, reason }
      socket.close(code, reason)
    }
    const live: LiveConnection = { facts, lastActiveAt: facts.connectedAt, socket, close }
    const resetIdle = () => {
      clearTimeout(idle)
      idle = setTimeout(() => close(1001, 'Going away'), options.idleTimeoutMs ?? limits.idleTimeoutMs)
    }
    const lifetime = setTimeout(
      () => close(1001, 'Going away'),
      options.maxDurationMs ?? limits.maxDurationMs,
    )
    connections.set(facts.connectionId, live)
    resetIdle()
    log(`connected ${facts.connectionId}`)

    socket.on('message', (data, isBinary) => {
      if (isBinary) return close(1003, 'Binary frames are not supported')
      live.lastActiveAt = Date.now()
      resetIdle()
      const body = String(data)
      const routeKey = routeKeyOf(selectRoute(body))
      const target = routes.get(routeKey)
      const event = wsMessageEvent(routeKey, body, facts, ids)
      const reply = (message: string) =>
        socket.send(
          JSON.stringify({
            message,
            connectionId: facts.connectionId,
            requestId: event.requestContext.requestId,
          }),
        )
      if (!target) return reply('Forbidden')
      // A route's return value reaches the client only through a route response, which this gateway does not model.
      invoke(target, event).catch((error: unknown) => {
        log(`${target} failed: ${describe(error)}`)
        reply(error instanceof FunctionTimeoutError ? 'Endpoint request timed out' : 'Internal server error')
      })
    })
    socket.on('error', (error: Error & { code?: string }) => {
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH')
        closing ??= { code: 1009, reason: 'Message too big' }
      else log(`connection ${facts.connectionId}: ${error.message}`)
    })
    socket.on('close', (code, reason) => {
      clearTimeout(idle)
      clearTimeout(lifetime)
      connections.delete(facts.connectionId)
      const why = closing ?? {
        code,
        reason: code === 1005 ? 'Client-side close frame status not set' : reason.toString(),
      }
      log(`disconnected ${facts.connectionId} ${why.code} ${why.reason}`)
      const target = routes.get('$disconnect')
      if (!target) return
      const pending = invoke(target, wsDisconnectEvent(why.code, why.reason, facts, ids))
        .catch((error: unknown) => log(`${target} failed: ${describe(error)}`))
        .finally(() => disconnecting.delete(pending))
      disconnecting.add(pending)
    })
  }

  const server = createServer(connectionsEndpoint(connections))
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', (error) => log(`handshake socket: ${error.message}`))
    handshake(request, socket, head).catch((error: unknown) => {
      log(`handshake failed: ${describe(error)}`)
      refuse(socket, 500, 'Internal Server Error')
    })
  })
  const running = await listen(server, options.port)
  // Handlers in this process post by call; anything else (the SDK, another process) comes over HTTP.
  const stopServingHere = serveConnectionsHere(
    managementEndpointAt(running.port),
    connectionsHere(connections),
  )
  return {
    port: running.port,
    async close() {
      const closed = [...connections.values()].map(
        (live) => new Promise((resolve) => live.socket.once('close', resolve)),
      )
      for (const live of connections.values()) live.close(1001, 'Going away')
      await Promise.race([Promise.all(closed), new Promise((resolve) => setTimeout(resolve, 1000).unref())])
      for (const client of wss.clients) client.terminate()
      await Promise.all(disconnecting)
      wss.close()
      await running.close()
      stopServingHere()
    },
  }
}
