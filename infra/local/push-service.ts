// The local push-service stand-in: takes Web Push requests as a browser vendor's service would, and keeps them to read.
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { importJWK, jwtVerify } from 'jose'
import { listen } from './gateway/listen.ts'

/** A push as the service received it: the encrypted body and the headers the receiving browser would need. */
export interface ReceivedPush {
  receivedAt: string
  contentEncoding: string
  ttl: number
  urgency: string | null
  /** base64 of the aes128gcm body (RFC 8188 header, then the ciphertext). */
  body: string
}

export interface PushServiceStandIn {
  origin: string
  stop(): Promise<void>
}

const maxBodyBytes = 4096
const maxTokenLifetimeSeconds = 24 * 60 * 60

/** `vapid t=<JWT>, k=<public key>` (RFC 8292): the JWT must be ES256 by that key, for this origin, not long-lived. */
async function checkVapid(header: string | undefined, origin: string): Promise<string | null> {
  const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header ?? '')
  if (!match?.[1] || !match[2]) return 'no VAPID authorization'
  const point = Buffer.from(match[2], 'base64url')
  if (point.length !== 65 || point[0] !== 4) return 'k is not an uncompressed P-256 point'
  const key = await importJWK(
    {
      kty: 'EC',
      crv: 'P-256',
      x: point.subarray(1, 33).toString('base64url'),
      y: point.subarray(33).toString('base64url'),
    },
    'ES256',
  )
  try {
    const { payload } = await jwtVerify(match[1], key, { algorithms: ['ES256'], audience: origin })
    if (!payload.exp || payload.exp > Date.now() / 1000 + maxTokenLifetimeSeconds) return 'exp too far ahead'
    if (typeof payload.sub !== 'string' || !/^(mailto:|https:)/.test(payload.sub)) return 'no contact in sub'
  } catch (error) {
    return `JWT refused: ${(error as Error).message}`
  }
  return null
}

async function readBody(request: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > maxBodyBytes) return null
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

/**
 * Routes: `POST /subscriptions` makes an endpoint (what a browser's PushManager.subscribe gets from its vendor);
 * `POST /push/{token}` takes a push, checked as push services check it, 201, or 410 once the token is marked gone;
 * `GET /push/{token}` lists what it took; `POST /push/{token}/gone` marks it gone (the user revoked permission).
 */
export async function startPushServiceStandIn(
  options: { port?: number; log?: (line: string) => void } = {},
): Promise<PushServiceStandIn> {
  const log = options.log ?? (() => {})
  const received = new Map<string, ReceivedPush[]>()
  const gone = new Set<string>()
  let origin = ''
  const send = (response: ServerResponse, status: number, body?: unknown) => {
    response.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' })
    response.end(body === undefined ? undefined : JSON.stringify(body))
  }
  const serve = async (request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? '/', origin).pathname
    const [, area, token, action] = path.split('/')
    if (request.method === 'POST' && area === 'subscriptions' && !token) {
      const fresh = randomBytes(16).toString('base64url')
      received.set(fresh, [])
      return send(response, 201, { endpoint: `${origin}/push/${fresh}` })
    }
    if (area !== 'push' || !token || !received.has(token))
      return send(response, 404, { error: 'no such subscription' })
    if (request.method === 'GET' && !action) return send(response, 200, { pushes: received.get(token) })
    if (request.method === 'POST' && action === 'gone') {
      gone.add(token)
      return send(response, 204)
    }
    if (request.method !== 'POST' || action) return send(response, 405, { error: 'method not allowed' })
    if (gone.has(token)) return send(response, 410, { error: 'subscription gone' })
    const refusal = await checkVapid(request.headers.authorization, origin)
    if (refusal) return send(response, 403, { error: refusal })
    const ttl = Number(request.headers.ttl)
    if (!Number.isInteger(ttl) || ttl < 0) return send(response, 400, { error: 'TTL header required' })
    if (request.headers['content-encoding'] !== 'aes128gcm')
      return send(response, 415, { error: 'content-encoding must be aes128gcm' })
    const body = await readBody(request)
    if (!body) return send(response, 413, { error: 'payload over 4096 bytes' })
    received.get(token)?.push({
      receivedAt: new Date().toISOString(),
      contentEncoding: 'aes128gcm',
      ttl,
      urgency: (request.headers.urgency as string | undefined) ?? null,
      body: body.toString('base64'),
    })
    log(`push-service: took a push of ${body.length} bytes for ${token.slice(0, 8)}...`)
    response.setHeader('location', `${origin}/messages/${randomBytes(8).toString('hex')}`)
    return send(response, 201)
  }
  const server = createServer((request, response) => {
    serve(request, response).catch((error: Error) => {
      log(`push-service: ${error.message}`)
      if (!response.headersSent) send(response, 500, { error: 'internal error' })
    })
  })
  const running = await listen(server, options.port ?? 0)
  origin = `http://127.0.0.1:${running.port}`
  return { origin, stop: running.close }
}
