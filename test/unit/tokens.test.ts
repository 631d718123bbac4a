import { createHmac, createPublicKey, randomUUID } from 'node:crypto'
import { exportSPKI, SignJWT } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  generateSigningKeys,
  importSigningKey,
  importVerifyingKeys,
  publicKeySet,
  type SigningKey,
  type VerifyingKeys,
} from '../../lib/auth/keys.ts'
import { issueAccessToken, type TokenSettings, verifyAccessToken } from '../../lib/auth/tokens.ts'
import { signingKeysSchema } from '../../lib/config.ts'
import { UnauthorizedError } from '../../lib/errors.ts'

const settings: TokenSettings = {
  issuer: 'chat-service',
  audience: 'chat-service-api',
  accessTtlSeconds: 900,
}
const claims = { userId: randomUUID(), role: 'user', sessionId: randomUUID() }
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

let ourKeysJson: string
type Keys = SigningKey & VerifyingKeys
let keys: Keys
let otherKeys: Keys

/** The signing key and, from the public half alone, the verifying keys of one key list. */
async function importKeys(list: unknown): Promise<Keys> {
  const parsed = signingKeysSchema.parse(list)
  return { ...(await importSigningKey(parsed)), ...importVerifyingKeys(publicKeySet(parsed)) }
}
const keysFrom = async (json: string) => importKeys(JSON.parse(json))

beforeAll(async () => {
  ourKeysJson = await generateSigningKeys()
  keys = await keysFrom(ourKeysJson)
  otherKeys = await keysFrom(await generateSigningKeys())
})

/** A token signed with our real key but with claims or header of the test's choosing. */
function forged(overrides: { header?: Record<string, unknown>; aud?: string; iss?: string; exp?: number }) {
  const now = Math.floor(Date.now() / 1000)
  const jwt = new SignJWT({ role: 'user', sid: claims.sessionId })
    .setProtectedHeader({ alg: 'ES256', kid: keys.kid, typ: 'at+jwt', ...overrides.header })
    .setSubject(claims.userId)
    .setIssuer(overrides.iss ?? settings.issuer)
    .setAudience(overrides.aud ?? settings.audience)
    .setIssuedAt(now)
  if (overrides.exp !== 0) jwt.setExpirationTime(overrides.exp ?? now + 600)
  return jwt.sign(keys.privateKey)
}

const refused = (token: string, using: VerifyingKeys = keys) =>
  expect(verifyAccessToken(token, using, settings)).rejects.toBeInstanceOf(UnauthorizedError)

describe('access tokens', () => {
  it('carry the user, role and session, and verify with the key set', async () => {
    const token = await issueAccessToken({ signer: keys, settings }, claims)
    expect(await verifyAccessToken(token, keys, settings)).toEqual(claims)
  })

  it('name the signing key and the RFC 9068 type in the header', async () => {
    const token = await issueAccessToken({ signer: keys, settings }, claims)
    const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString())
    expect(header).toEqual({ alg: 'ES256', kid: keys.kid, typ: 'at+jwt' })
  })

  it('are refused when expired', async () =>
    refused(await forged({ exp: Math.floor(Date.now() / 1000) - 60 })))

  it('are refused without an expiry, which jose alone would accept', async () =>
    refused(await forged({ exp: 0 })))

  it('are refused for another audience or issuer', async () => {
    await refused(await forged({ aud: 'someone-else' }))
    await refused(await forged({ iss: 'someone-else' }))
    expect(await verifyAccessToken(await forged({}), keys, settings)).toEqual(claims)
  })

  it('are refused with another type, so no other JWT of ours passes as one', async () =>
    refused(await forged({ header: { typ: 'JWT' } })))

  it('are refused when the payload is altered after signing', async () => {
    const [header, , signature] = (await issueAccessToken({ signer: keys, settings }, claims)).split('.')
    const payload = b64({
      sub: claims.userId,
      role: 'admin',
      sid: claims.sessionId,
      iss: settings.issuer,
      aud: settings.audience,
      exp: 9_999_999_999,
      iat: Math.floor(Date.now() / 1000),
    })
    await refused(`${header}.${payload}.${signature}`)
  })

  it('are refused unsigned (alg none)', async () => {
    const payload = b64({
      sub: claims.userId,
      role: 'admin',
      sid: claims.sessionId,
      iss: settings.issuer,
      aud: settings.audience,
      exp: 9_999_999_999,
      iat: Math.floor(Date.now() / 1000),
    })
    await refused(`${b64({ alg: 'none', typ: 'at+jwt' })}.${payload}.`)
  })

  it('are refused when HMAC-signed with the public key (the HS/RS swap)', async () => {
    const jwk = JSON.parse(ourKeysJson)[0]
    const publicPem = await exportSPKI(
      createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, format: 'jwk' }),
    )
    const header = b64({ alg: 'HS256', kid: keys.kid, typ: 'at+jwt' })
    const payload = b64({
      sub: claims.userId,
      role: 'admin',
      sid: claims.sessionId,
      iss: settings.issuer,
      aud: settings.audience,
      exp: 9_999_999_999,
      iat: Math.floor(Date.now() / 1000),
    })
    const signature = createHmac('sha256', publicPem).update(`${header}.${payload}`).digest('base64url')
    await refused(`${header}.${payload}.${signature}`)
  })

  it('are refused when signed by a key that is not ours, even with our key id', async () => {
    const token = await issueAccessToken({ signer: { ...otherKeys, kid: keys.kid }, settings }, claims)
    await refused(token)
  })

  it('keep verifying after rotation while the old key stays in the list', async () => {
    const old = JSON.parse(await generateSigningKeys())
    const oldKeys = await importKeys(old)
    const token = await issueAccessToken({ signer: oldKeys, settings }, claims)
    const rotated = await importKeys([...JSON.parse(await generateSigningKeys()), old[0]])
    expect(rotated.kid).not.toBe(oldKeys.kid)
    expect(await verifyAccessToken(token, rotated, settings)).toEqual(claims)
    await refused(token, await importKeys(JSON.parse(await generateSigningKeys())))
  })

  it('are refused when garbled', async () => {
    await refused('not-a-token')
    await refused('a.b.c')
  })
})
