// The WebSocket API's @connections endpoint: PostToConnection and DeleteConnection as SigV4-signed HTTP requests on
// kept-alive sockets. Not the SDK's ApiGatewayManagementApiClient: fan-out posts once per recipient, and measured side
// by side on one local endpoint (its server's share included) a post cost ~1.2 ms of CPU through the SDK, ~0.5
// through its SignatureV4 signer and ~0.34 signed here with node:crypto. test/unit/ws-management.test.ts holds these
// requests and the SDK's to a SigV4 verifier written from the specification.
import { ConfigError, config } from '../config.ts'
import { awsCallChannel, signatureHeaders } from './aws-signature.ts'
import { keptAliveOrigin } from './kept-alive-http.ts'

export interface ConnectionsApi {
  /** Sends bytes to a connection as one text frame. Throws ConnectionsApiError (GoneException for 410, ...). */
  post(connectionId: string, data: Uint8Array): Promise<void>
  /** Closes a connection from the server side; API Gateway then runs `$disconnect`. */
  delete(connectionId: string): Promise<void>
}

/** A refusal of the @connections API, named as the SDK names it (GoneException, LimitExceededException, ...). */
export class ConnectionsApiError extends Error {
  constructor(
    override readonly name: string,
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

/** The SDK's names for an error without an `x-amzn-errortype` header, by status. */
const errorByStatus: Record<number, string> = {
  403: 'ForbiddenException',
  410: 'GoneException',
  413: 'PayloadTooLargeException',
  429: 'LimitExceededException',
}

const attempts = 3
const requestTimeoutMs = 10_000

function errorOf(
  status: number,
  errorType: string | string[] | undefined,
  body: string,
): ConnectionsApiError {
  // `x-amzn-errortype` may carry a namespace after a colon, as the SDK's parser allows.
  const named = (Array.isArray(errorType) ? errorType[0] : errorType)?.split(':')[0]
  let message = body
  try {
    message = (JSON.parse(body) as { message?: string }).message ?? body
  } catch {}
  return new ConnectionsApiError(named || errorByStatus[status] || `HttpError${status}`, status, message)
}

type Method = 'POST' | 'DELETE'
type Send = (method: Method, connectionId: string, body?: Uint8Array) => Promise<void>

/** The API over `send`, each call announced on `chat-service:aws-call` for the IAM recorder (infra/iam-check). */
function announcing(endpoint: string, send: Send): ConnectionsApi {
  const announced = new URL(endpoint.replace(/\/$/, '')).href.replace(/\/$/, '')
  const call = (method: Method, connectionId: string, body?: Uint8Array) => {
    if (awsCallChannel.hasSubscribers)
      awsCallChannel.publish({
        client: 'ApiGatewayManagementApiClient',
        operation: method === 'POST' ? 'PostToConnection' : 'DeleteConnection',
        endpoint: announced,
        connectionId,
      })
    return send(method, connectionId, body)
  }
  return {
    post: (connectionId, data) => call('POST', connectionId, data),
    delete: (connectionId) => call('DELETE', connectionId),
  }
}

/**
 * The @connections API at `endpoint` (`https://{api}.execute-api.{region}.amazonaws.com/{stage}`, or the local
 * gateway's), signed with the credentials Lambda puts in the environment. A request that fails without an answer
 * (a kept-alive socket the far end closed) or with a 5xx is sent again, at most three attempts, as the SDK would;
 * throttling (429) is the caller's to back off from (postEncoded).
 */
export function connectionsApi(endpoint: string, region: string): ConnectionsApi {
  const origin = keptAliveOrigin(endpoint)
  const { base } = origin
  const basePath = base.pathname === '/' ? '' : base.pathname
  const empty = new Uint8Array()

  const once = async (method: Method, connectionId: string, body?: Uint8Array): Promise<void> => {
    const path = `${basePath}/@connections/${encodeURIComponent(connectionId)}`
    const headers = {
      ...signatureHeaders({
        method,
        host: base.host,
        path,
        service: 'execute-api',
        region,
        body: body ?? empty,
        purpose: 'send frames',
      }),
      ...(body && { 'content-type': 'application/json', 'content-length': String(body.byteLength) }),
    }
    const answer = await origin.request({ method, path, headers, body, timeoutMs: requestTimeoutMs })
    if (answer.status < 200 || answer.status >= 300)
      throw errorOf(answer.status, answer.headers['x-amzn-errortype'], answer.text)
  }

  return announcing(endpoint, async (method, connectionId, body) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await once(method, connectionId, body)
      } catch (error) {
        const refused = error instanceof ConnectionsApiError && error.status < 500
        if (refused || error instanceof ConfigError || attempt >= attempts) throw error
      }
    }
  })
}

/**
 * @connections endpoints served by this very process, by origin: the local gateway (infra/local) offers its own,
 * and a handler running in its event loop then posts with a call rather than an HTTP request to itself, which with
 * its serving was two fifths of the local runtime's CPU a message. Nothing registers in Lambda, where the endpoint
 * is always API Gateway's.
 */
const servedHere = new Map<string, ConnectionsApi>()

const originOf = (endpoint: string) => new URL(endpoint).origin

/**
 * Serves calls to `endpoint` (any stage path under its origin, as the local gateway accepts) with `api`, announced
 * as HTTP calls are; returns what ends it.
 */
export function serveConnectionsHere(endpoint: string, api: ConnectionsApi): () => void {
  const key = originOf(endpoint)
  const served = announcing(endpoint, (method, connectionId, body) =>
    method === 'POST' ? api.post(connectionId, body ?? new Uint8Array()) : api.delete(connectionId),
  )
  servedHere.set(key, served)
  return () => {
    if (servedHere.get(key) === served) servedHere.delete(key)
  }
}

let client: ConnectionsApi | undefined

/** The configured endpoint's client, created once; or the process's own, when it serves that endpoint. */
export function wsManagementClient(): ConnectionsApi {
  const { AWS_REGION, WS_MANAGEMENT_ENDPOINT } = config()
  // Only functions that send frames need the endpoint, so it is checked here rather than for every function.
  if (!WS_MANAGEMENT_ENDPOINT)
    throw new ConfigError('Invalid configuration: WS_MANAGEMENT_ENDPOINT: required to send frames')
  const here = servedHere.get(originOf(WS_MANAGEMENT_ENDPOINT))
  if (here) return here
  client ??= connectionsApi(WS_MANAGEMENT_ENDPOINT, AWS_REGION)
  return client
}
