// The SSRF guard on push endpoints: allowlisted https origins only, and no internal address unless listed exactly.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  browserPushServices,
  checkEndpoint,
  EndpointRefused,
  endpointPolicy,
  isInternalAddress,
  type Resolve,
} from './endpoints.ts'

const resolvingTo =
  (...addresses: string[]): Resolve =>
  async () =>
    addresses
const unresolvable: Resolve = async (host) => {
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' })
}
const publicAddress = resolvingTo('142.250.74.42', '2a00:1450:4001:82b::200a')
const browsers = endpointPolicy(browserPushServices)

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  expect(error).toBeInstanceOf(EndpointRefused)
  return (error as EndpointRefused).message
}

describe('push endpoints', () => {
  it.each([
    'https://fcm.googleapis.com/fcm/send/dGVzdA:APA91b',
    'https://updates.push.services.mozilla.com/wpush/v2/gAAAAABk',
    'https://wns2-par02p.notify.windows.com/w/?token=BQYAAAB',
    'https://web.push.apple.com/QGuQyavXutnMH',
  ])(
    'accepts the browsers’ push service endpoint %s when it resolves to public addresses',
    async (endpoint) => {
      await expect(checkEndpoint(browsers, endpoint, publicAddress)).resolves.toBeInstanceOf(URL)
    },
  )

  it('refuses http even on a listed host, and says so', async () => {
    expect(
      await refusal(checkEndpoint(browsers, 'http://fcm.googleapis.com/fcm/send/x', publicAddress)),
    ).toMatch(/not https/)
  })

  it.each([
    'https://example.com/push',
    'https://fcm.googleapis.com.evil.example/fcm/send/x',
    'https://evilnotify.windows.com/w',
    'https://notify.windows.com/w',
    'https://fcm.googleapis.com:8443/fcm/send/x',
    'https://user:pass@fcm.googleapis.com/fcm/send/x',
    'https://127.0.0.1/push',
    'https://[::1]/push',
    'file:///etc/passwd',
    'not a url',
  ])('refuses %s', async (endpoint) => {
    await refusal(checkEndpoint(browsers, endpoint, publicAddress))
  })

  it.each([
    ['loopback', '127.0.0.1'],
    ['a private network', '10.1.2.3'],
    ['the metadata service', '169.254.169.254'],
    ['IPv6 loopback', '::1'],
    ['IPv4 mapped in IPv6', '::ffff:127.0.0.1'],
    ['IPv6 link-local', 'fe80::1'],
    ['IPv6 unique-local', 'fd12:3456::1'],
    ['the unspecified address', '0.0.0.0'],
  ])('refuses a wildcard-listed host that resolves to %s', async (_what, address) => {
    const message = await refusal(
      checkEndpoint(browsers, 'https://wns2.notify.windows.com/w', resolvingTo('52.1.2.3', address)),
    )
    expect(message).toMatch(/internal address/)
  })

  it('refuses a host that does not resolve', async () => {
    expect(await refusal(checkEndpoint(browsers, 'https://x.notify.windows.com/w', unresolvable))).toMatch(
      /does not resolve/,
    )
  })

  it('accepts an internal address only for an origin listed exactly, scheme and port included', async () => {
    const local = endpointPolicy([...browserPushServices, 'http://127.0.0.1:4902', 'https://push.internal'])
    await expect(checkEndpoint(local, 'http://127.0.0.1:4902/push/abc', unresolvable)).resolves.toBeDefined()
    await expect(
      checkEndpoint(local, 'https://push.internal/p/1', resolvingTo('10.0.0.8')),
    ).resolves.toBeDefined()
    await refusal(checkEndpoint(local, 'http://127.0.0.1:4903/push/abc', unresolvable))
    await refusal(checkEndpoint(local, 'https://127.0.0.1:4902/push/abc', unresolvable))
    await refusal(checkEndpoint(local, 'http://localhost:4902/push/abc', resolvingTo('127.0.0.1')))
  })

  it('takes only origins in its allowlist, and http only as one exact origin', () => {
    expect(() => endpointPolicy(['https://fcm.googleapis.com/fcm'])).toThrow(/origin alone/)
    expect(() => endpointPolicy(['http://*.example.com'])).toThrow(/must be https/)
    expect(() => endpointPolicy(['ftp://example.com'])).toThrow(/must be https/)
    expect(() => endpointPolicy(['example.com'])).toThrow()
  })

  it('counts every private, loopback and link-local IPv4 address as internal, and public ones not', () => {
    const octet = fc.integer({ min: 0, max: 255 })
    const internalAddresses = fc.oneof(
      fc.tuple(octet, octet, octet).map(([b, c, d]) => `10.${b}.${c}.${d}`),
      fc.tuple(octet, octet, octet).map(([b, c, d]) => `127.${b}.${c}.${d}`),
      fc.tuple(octet, octet).map(([c, d]) => `169.254.${c}.${d}`),
      fc.tuple(fc.integer({ min: 16, max: 31 }), octet, octet).map(([b, c, d]) => `172.${b}.${c}.${d}`),
      fc.tuple(octet, octet).map(([c, d]) => `192.168.${c}.${d}`),
    )
    fc.assert(fc.property(internalAddresses, (address) => isInternalAddress(address)))
    fc.assert(fc.property(internalAddresses, (address) => isInternalAddress(`::ffff:${address}`)))
    for (const address of ['8.8.8.8', '142.250.74.42', '2a00:1450:4001:82b::200a', '172.32.0.1'])
      expect(isInternalAddress(address)).toBe(false)
  })

  it('accepts an arbitrary URL only when it is https on a listed host at the default port', async () => {
    const exactHosts = [
      'fcm.googleapis.com',
      'android.googleapis.com',
      'updates.push.services.mozilla.com',
      'web.push.apple.com',
    ]
    const hosts = fc.oneof(
      fc.constantFrom(...exactHosts, 'wns2-par02p.notify.windows.com', 'notify.windows.com', 'example.com'),
      fc.domain(),
    )
    const urls = fc
      .tuple(
        fc.constantFrom('https', 'http', 'ftp'),
        hosts,
        fc.constantFrom('', ':443', ':8443'),
        fc.webPath(),
      )
      .map(([scheme, host, port, path]) => `${scheme}://${host}${port}${path}`)
    await fc.assert(
      fc.asyncProperty(urls, async (endpoint) => {
        const url = new URL(endpoint)
        const listed =
          url.protocol === 'https:' &&
          url.port === '' &&
          (exactHosts.includes(url.hostname) || url.hostname.endsWith('.notify.windows.com'))
        const accepted = await checkEndpoint(browsers, endpoint, publicAddress).then(
          () => true,
          (error: unknown) => {
            expect(error).toBeInstanceOf(EndpointRefused)
            return false
          },
        )
        expect(accepted).toBe(listed)
      }),
    )
  })
})
