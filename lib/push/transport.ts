// One push request to a push service, over a connection whose every address passed the endpoint check.
import type { LookupAddress } from 'node:dns'
import http from 'node:http'
import https from 'node:https'
import { isIP, type LookupFunction } from 'node:net'
import { allowedAddresses, checkEndpointUrl, type EndpointPolicy, type Resolve } from './endpoints.ts'

export interface PushRequest {
  endpoint: string
  method: string
  headers: Record<string, string | number>
  body: Buffer | null
}

export interface TransportOptions {
  policy: EndpointPolicy
  resolve?: Resolve
  timeoutMs?: number
}

/**
 * Posts the request and answers the push service's status. The host is resolved by the connection's own lookup,
 * which refuses what registration would refuse: the address connected to is the address checked, whatever the
 * name resolves to by now.
 */
export async function postPush(request: PushRequest, options: TransportOptions): Promise<number> {
  const { url, match } = checkEndpointUrl(options.policy, request.endpoint)
  // Node connects to an IP literal without calling `lookup`, so that case is checked here.
  if (isIP(url.hostname.replace(/^\[|\]$/g, ''))) await allowedAddresses(url.hostname, match, options.resolve)
  const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
    allowedAddresses(hostname, match, options.resolve).then(
      (addresses) => {
        const entries: LookupAddress[] = addresses.map((address) => ({ address, family: isIP(address) }))
        if (lookupOptions.all) callback(null, entries)
        else callback(null, entries[0]?.address ?? '', entries[0]?.family)
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    )
  }
  const transport = url.protocol === 'https:' ? https : http
  return new Promise<number>((resolve, reject) => {
    const outgoing = transport.request(
      url,
      {
        method: request.method,
        headers: request.headers,
        lookup,
        timeout: options.timeoutMs ?? 10_000,
      },
      (response) => {
        // The answer's body is never needed; reading it lets the socket be reused.
        response.resume()
        response.on('end', () => resolve(response.statusCode ?? 0))
        response.on('error', reject)
      },
    )
    outgoing.on('timeout', () => outgoing.destroy(new Error('push service timed out')))
    outgoing.on('error', reject)
    outgoing.end(request.body ?? undefined)
  })
}
