// Which push endpoints the server will call: https origins on an allowlist, never an internal address unless listed exactly.
import { lookup as dnsLookup } from 'node:dns/promises'
import { BlockList, isIP } from 'node:net'
import { InvalidError } from '../errors.ts'

/**
 * The browsers' push services: Chrome, Edge's Chromium and Opera (FCM), Firefox (Mozilla autopush), Edge on Windows
 * (WNS, one host per region) and Safari (Apple). A `*.` entry matches any subdomain, never the bare domain.
 */
export const browserPushServices: readonly string[] = [
  'https://fcm.googleapis.com',
  'https://android.googleapis.com',
  'https://updates.push.services.mozilla.com',
  'https://*.notify.windows.com',
  'https://web.push.apple.com',
]

interface AllowedOrigin {
  protocol: 'https:' | 'http:'
  /** Lower-case host name or IP literal (IPv6 without brackets); for a wildcard, the suffix after `*.`. */
  host: string
  port: string
  wildcard: boolean
}

export interface EndpointPolicy {
  allowed: readonly AllowedOrigin[]
}

const defaultPort = (protocol: string) => (protocol === 'http:' ? '80' : '443')

/** Strips IPv6 brackets, so a host compares the same whether it came from a URL or from DNS. */
const bareHost = (hostname: string) => hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase()

/**
 * Parses allowlist entries (`https://host[:port]`, `https://*.domain`). An `http` origin is accepted only as an exact
 * entry: an operator who lists one (the local push-service stand-in) has chosen that host in particular.
 */
export function endpointPolicy(origins: readonly string[]): EndpointPolicy {
  const allowed = origins.map((entry): AllowedOrigin => {
    const wildcard = /^[a-z]+:\/\/\*\./.test(entry)
    let url: URL
    try {
      url = new URL(entry.replace('://*.', '://wildcard.'))
    } catch {
      throw new Error(`push endpoint allowlist: ${entry} is not an origin`)
    }
    if (url.protocol !== 'https:' && (url.protocol !== 'http:' || wildcard))
      throw new Error(`push endpoint allowlist: ${entry} must be https (http only for one exact origin)`)
    if (url.pathname !== '/' || url.search || url.hash || url.username || url.password)
      throw new Error(`push endpoint allowlist: ${entry} must be an origin alone (scheme, host, port)`)
    return {
      protocol: url.protocol as AllowedOrigin['protocol'],
      host: wildcard ? bareHost(url.hostname).slice('wildcard.'.length) : bareHost(url.hostname),
      port: url.port || defaultPort(url.protocol),
      wildcard,
    }
  })
  return { allowed }
}

/**
 * Addresses no user-given URL may reach: loopback, RFC 1918 and other private ranges, link-local (cloud metadata
 * services live there), CGNAT, unique-local, multicast, unspecified, documentation and benchmarking ranges, and
 * IPv4 reached through IPv6 mappings.
 */
const internal = new BlockList()
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  internal.addSubnet(network, prefix, 'ipv4')
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const)
  internal.addSubnet(network, prefix, 'ipv6')

export function isInternalAddress(address: string): boolean {
  const family = isIP(address)
  if (family === 0) return true
  // BlockList judges an IPv4-mapped IPv6 address (::ffff:127.0.0.1, ::ffff:7f00:1) by the IPv4 rules.
  return internal.check(address, family === 6 ? 'ipv6' : 'ipv4')
}

/** How an endpoint matched the allowlist: an exact entry may name an internal host, a wildcard may not. */
export type Match = 'exact' | 'wildcard'

function matchOrigin(policy: EndpointPolicy, url: URL): Match | undefined {
  const host = bareHost(url.hostname)
  const port = url.port || defaultPort(url.protocol)
  let found: Match | undefined
  for (const origin of policy.allowed) {
    if (origin.protocol !== url.protocol || origin.port !== port) continue
    if (!origin.wildcard && origin.host === host) return 'exact'
    if (origin.wildcard && isIP(host) === 0 && host.endsWith(`.${origin.host}`)) found = 'wildcard'
  }
  return found
}

export type Resolve = (host: string) => Promise<string[]>

/** Every address the system resolver gives for `host` (A and AAAA alike), as a connection would see them. */
export const systemResolve: Resolve = async (host) =>
  (await dnsLookup(host, { all: true, verbatim: true })).map((entry) => entry.address)

export class EndpointRefused extends InvalidError {
  constructor(reason: string) {
    super(`The push endpoint is refused: ${reason}.`, [{ path: 'endpoint', message: reason }])
  }
}

/** The URL and how it matched, or a refusal saying why; no DNS yet. */
export function checkEndpointUrl(policy: EndpointPolicy, endpoint: string): { url: URL; match: Match } {
  let url: URL
  try {
    url = new URL(endpoint)
  } catch {
    throw new EndpointRefused('not a URL')
  }
  if (url.username || url.password) throw new EndpointRefused('credentials in the URL')
  const match = matchOrigin(policy, url)
  if (!match)
    throw new EndpointRefused(
      url.protocol === 'https:' ? 'its origin is not a known push service' : 'not https',
    )
  return { url, match }
}

/**
 * The addresses the endpoint's host resolves to, all of them allowed: an internal one only for an exactly listed
 * origin. Called when a subscription is registered and again by the sender's own lookup at every connection, so a
 * name that later resolves elsewhere (DNS rebinding) is caught at send time.
 */
export async function allowedAddresses(
  host: string,
  match: Match,
  resolve: Resolve = systemResolve,
): Promise<string[]> {
  const bare = bareHost(host)
  let addresses: string[]
  try {
    addresses = isIP(bare) ? [bare] : await resolve(bare)
  } catch {
    throw new EndpointRefused('its host does not resolve')
  }
  if (addresses.length === 0) throw new EndpointRefused('its host does not resolve')
  if (match !== 'exact' && addresses.some(isInternalAddress))
    throw new EndpointRefused('its host resolves to an internal address')
  return addresses
}

/** Checks an endpoint as registration does: the origin, then every address its host resolves to. */
export async function checkEndpoint(
  policy: EndpointPolicy,
  endpoint: string,
  resolve: Resolve = systemResolve,
): Promise<URL> {
  const { url, match } = checkEndpointUrl(policy, endpoint)
  await allowedAddresses(url.hostname, match, resolve)
  return url
}
