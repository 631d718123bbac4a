// The WebSocket API's @connections endpoint: PostToConnection and DeleteConnection as SigV4-signed HTTP requests on
// kept-alive sockets. Not the SDK's ApiGatewayManagementApiClient: fan-out posts once per recipient, and measured side
// by side on one local endpoint (its server's share included) a post cost ~1.2 ms of CPU through the SDK, ~0.5
// through its SignatureV4 signer and ~0.34 signed here with node:crypto. test/unit/ws-management.test.ts holds these
// requests and the SDK's to a SigV4 verifier written from the specification.
import { createHash, createHmac } from 'node:crypto'
import { channel } from 'node:diagnostics_channel'
import { ConfigError, config } from '../config.ts'
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

/** Each call, as `{ client, operation, endpoint, connectionId }`, for `npm run check:iam` (which subscribes). */
export const awsCallChannel = channel('chat-service:aws-call')

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

const sha256Hex = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex')
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest()
/** RFC 3986 encoding, as SigV4 wants: encodeURIComponent leaves !'()* as they are. */
const uriEncode = (text: string) =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)

let signingKey: { scope: string; secret: string; key: Buffer } | undefined

/**
 * The SigV4 headers for an execute-api request (host, x-amz-date, the session token when there is one), with the
 * credentials Lambda puts in the environment. The derived key is kept for its day.
 */
function signatureHeaders(request: {
  method: string
  host: string
  /** As sent: its segments are encoded once more for the canonical request, as for every service but S3. */
  path: string
  region: string
  body: Uint8Array
}): Record<string, string> {
  const { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN } = process.env
  if (!AWS_ACCESS_KEY_ID || !AWS_SECRET_ACCESS_KEY)
    throw new ConfigError('Invalid configuration: AWS_ACCESS_KEY_ID: required to send frames')
  const amzDate = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '')
  const scope = `${amzDate.slice(0, 8)}/${request.region}/execute-api/aws4_request`
  const signed: Record<string, string> = {
    host: request.host,
    'x-amz-date': amzDate,
    ...(AWS_SESSION_TOKEN && { 'x-amz-security-token': AWS_SESSION_TOKEN }),
  }
  const names = Object.keys(signed).sort()
  const canonical = [
    request.method,
    request.path.split('/').map(uriEncode).join('/'),
    '',
    names.map((name) => `${name}:${signed[name]}\n`).join(''),
    names.join(';'),
    sha256Hex(request.body),
  ].join('\n')
  if (signingKey?.scope !== scope || signingKey.secret !== AWS_SECRET_ACCESS_KEY) {
    const [day = '', region = '', service = ''] = scope.split('/')
    const key = hmac(hmac(hmac(hmac(`AWS4${AWS_SECRET_ACCESS_KEY}`, day), region), service), 'aws4_request')
    signingKey = { scope, secret: AWS_SECRET_ACCESS_KEY, key }
  }
  const signature = createHmac('sha256', signingKey.key)
    .update(`AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`)
    .digest('hex')
  return {
    ...signed,
    authorization: `AWS4-HMAC-SHA256 Credential=${AWS_ACCESS_KEY_ID}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`,
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
  const announced = base.href.replace(/\/$/, '')
  const empty = new Uint8Array()

  const once = async (method: 'POST' | 'DELETE', connectionId: string, body?: Uint8Array): Promise<void> => {
    const path = `${basePath}/@connections/${encodeURIComponent(connectionId)}`
    const headers = {
      ...signatureHeaders({ method, host: base.host, path, region, body: body ?? empty }),
      ...(body && { 'content-type': 'application/json', 'content-length': String(body.byteLength) }),
    }
    const answer = await origin.request({ method, path, headers, body, timeoutMs: requestTimeoutMs })
    if (answer.status < 200 || answer.status >= 300)
      throw errorOf(answer.status, answer.headers['x-amzn-errortype'], answer.text)
  }

  const call = async (method: 'POST' | 'DELETE', connectionId: string, body?: Uint8Array) => {
    if (awsCallChannel.hasSubscribers)
      awsCallChannel.publish({
        client: 'ApiGatewayManagementApiClient',
        operation: method === 'POST' ? 'PostToConnection' : 'DeleteConnection',
        endpoint: announced,
        connectionId,
      })
    for (let attempt = 1; ; attempt++) {
      try {
        return await once(method, connectionId, body)
      } catch (error) {
        const refused = error instanceof ConnectionsApiError && error.status < 500
        if (refused || error instanceof ConfigError || attempt >= attempts) throw error
      }
    }
  }

  return {
    post: (connectionId, data) => call('POST', connectionId, data),
    delete: (connectionId) => call('DELETE', connectionId),
  }
}

let client: ConnectionsApi | undefined

/** The configured endpoint's client, created once. */
export function wsManagementClient(): ConnectionsApi {
  const { AWS_REGION, WS_MANAGEMENT_ENDPOINT } = config()
  // Only functions that send frames need the endpoint, so it is checked here rather than for every function.
  if (!WS_MANAGEMENT_ENDPOINT)
    throw new ConfigError('Invalid configuration: WS_MANAGEMENT_ENDPOINT: required to send frames')
  client ??= connectionsApi(WS_MANAGEMENT_ENDPOINT, AWS_REGION)
  return client
}
