// AWS Signature Version 4 for the calls this project signs itself (lib/stores/ws-management.ts,
// lib/stores/dynamodb-json.ts): with the credentials Lambda puts in the environment, node:crypto, and the derived
// key kept for its day. test/unit/ws-management.test.ts and dynamodb-json.test.ts judge it, and the SDK's own
// requests, by a verifier written from the specification.
import { createHash, createHmac } from 'node:crypto'
import { channel } from 'node:diagnostics_channel'
import { ConfigError } from '../config.ts'

/**
 * Each signed call, as `{ client, operation, endpoint, connectionId? , table? }`, named as the SDK would name it,
 * for `npm run check:iam` (which subscribes).
 */
export const awsCallChannel = channel('chat-service:aws-call')

const sha256Hex = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex')
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest()
/** RFC 3986 encoding, as SigV4 wants: encodeURIComponent leaves !'()* as they are. */
const uriEncode = (text: string) =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)

const signingKeys = new Map<string, { secret: string; key: Buffer }>()

/**
 * The headers that sign a request (host, x-amz-date, the session token when there is one, the authorization, and
 * `headers` given, which are signed too and named in lower case, as the canonical request wants them). `purpose`
 * completes the error when the environment has no credentials.
 */
export function signatureHeaders(request: {
  method: string
  host: string
  /** As sent: its segments are encoded once more for the canonical request, as for every service but S3. */
  path: string
  service: string
  region: string
  headers?: Record<string, string>
  body: Uint8Array | string
  purpose: string
}): Record<string, string> {
  const { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN } = process.env
  if (!AWS_ACCESS_KEY_ID || !AWS_SECRET_ACCESS_KEY)
    throw new ConfigError(`Invalid configuration: AWS_ACCESS_KEY_ID: required to ${request.purpose}`)
  const amzDate = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '')
  const day = amzDate.slice(0, 8)
  const scope = `${day}/${request.region}/${request.service}/aws4_request`
  const signed: Record<string, string> = {
    ...request.headers,
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
  let signing = signingKeys.get(scope)
  if (signing?.secret !== AWS_SECRET_ACCESS_KEY) {
    // Keys of earlier days are stale; one a day per region and service remains.
    for (const kept of signingKeys.keys()) if (!kept.startsWith(day)) signingKeys.delete(kept)
    const key = hmac(
      hmac(hmac(hmac(`AWS4${AWS_SECRET_ACCESS_KEY}`, day), request.region), request.service),
      'aws4_request',
    )
    signing = { secret: AWS_SECRET_ACCESS_KEY, key }
    signingKeys.set(scope, signing)
  }
  const signature = createHmac('sha256', signing.key)
    .update(`AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`)
    .digest('hex')
  return {
    ...signed,
    authorization: `AWS4-HMAC-SHA256 Credential=${AWS_ACCESS_KEY_ID}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`,
  }
}
