// AWS Signature Version 4 as its specification states it, written apart from any SDK or from lib/stores/aws-signature.ts,
// to judge both by (each test first checks it accepts the SDK's own request); and what the signed calls announce.
import { createHash, createHmac } from 'node:crypto'
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import type { IncomingHttpHeaders } from 'node:http'

export const testCredentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
}

const hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex')
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest()
const rfc3986 = (segment: string) =>
  encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)

export function verifySignature(
  request: { method: string; path: string; headers: IncomingHttpHeaders; body: Buffer },
  expected: { region: string; service: string },
): boolean {
  const authorization = String(request.headers.authorization ?? '')
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
      authorization,
    )
  if (!match) return false
  const [, accessKeyId, day, signedRegion, service, signedHeaders, signature] = match as unknown as string[]
  if (
    accessKeyId !== testCredentials.accessKeyId ||
    signedRegion !== expected.region ||
    service !== expected.service
  )
    return false
  const amzDate = String(request.headers['x-amz-date'])
  const names = (signedHeaders as string).split(';')
  if (!names.includes('host')) return false
  const canonicalHeaders = names
    .map(
      (name) =>
        `${name}:${String(request.headers[name] ?? '')
          .trim()
          .replace(/\s+/g, ' ')}\n`,
    )
    .join('')
  // Every service but S3 encodes each segment of the path as sent once more.
  const canonicalPath = request.path.split('/').map(rfc3986).join('/')
  const canonical = [
    request.method,
    canonicalPath,
    '',
    canonicalHeaders,
    signedHeaders,
    hex(request.body),
  ].join('\n')
  const scope = `${day}/${expected.region}/${expected.service}/aws4_request`
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, hex(canonical)].join('\n')
  const key = hmac(
    hmac(
      hmac(hmac(`AWS4${testCredentials.secretAccessKey}`, day as string), expected.region),
      expected.service,
    ),
    'aws4_request',
  )
  return createHmac('sha256', key).update(toSign).digest('hex') === signature
}

/** What the signed clients announce for the IAM check (`chat-service:aws-call`) while `run` runs. */
export async function announcedCalls(run: () => Promise<unknown>): Promise<unknown[]> {
  const seen: unknown[] = []
  const listener = (message: unknown) => seen.push(message)
  subscribe('chat-service:aws-call', listener)
  try {
    await run()
  } finally {
    unsubscribe('chat-service:aws-call', listener)
  }
  return seen
}
