import { createHmac, createPublicKey } from 'node:crypto'
import { exportSPKI, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signingKey } from '../../../lib/auth/keys.ts'
import { tokenSettings } from '../../../lib/auth/tokens.ts'
import { signingKeysSchema } from '../../../lib/config.ts'
import { closeMongo } from '../../../lib/stores/mongo.ts'
import { closePostgres, postgresClient } from '../../../lib/stores/postgres.ts'
import { type Call, identityApi, newUser, signUp } from './api.ts'

let call: Call
let user: Awaited<ReturnType<typeof signUp>>
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

beforeAll(async () => {
  call = await identityApi()
  user = await signUp(call, newUser('authn'))
})
afterAll(async () => {
  await Promise.all([closePostgres(), closeMongo()])
})

/** Claims as our tokens carry them, for the user above, with the test's changes. */
function claimsWith(changes: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000)
  const { issuer, audience } = tokenSettings()
  const [, payload = ''] = user.session.accessToken.split('.')
  const sid = JSON.parse(Buffer.from(payload, 'base64url').toString()).sid as string
  return {
    sub: user.session.user.id,
    role: 'user',
    sid,
    iss: issuer,
    aud: audience,
    iat: now,
    exp: now + 600,
    ...changes,
  }
}

async function signedWithOurKey(claims: Record<string, unknown>, header: Record<string, unknown> = {}) {
  const signer = await signingKey()
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: signer.kid, typ: 'at+jwt', ...header })
    .sign(signer.privateKey)
}

async function hmacWithPublicKey(): Promise<string> {
  const [jwk] = signingKeysSchema.parse(JSON.parse(process.env.JWT_SIGNING_KEYS ?? '[]'))
  if (!jwk) throw new Error('no signing key configured')
  const pem = await exportSPKI(
    createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, format: 'jwk' }),
  )
  const unsigned = `${b64({ alg: 'HS256', kid: jwk.kid, typ: 'at+jwt' })}.${b64(claimsWith({ role: 'admin' }))}`
  return `${unsigned}.${createHmac('sha256', pem).update(unsigned).digest('base64url')}`
}

describe('access tokens on the API', () => {
  it('let the holder in', async () => {
    const response = await call({ method: 'GET', path: '/users/me', token: user.session.accessToken })
    expect(response.status).toBe(200)
  })

  const refusals: [string, () => Promise<string | undefined>][] = [
    ['missing', async () => undefined],
    [
      'expired',
      () =>
        signedWithOurKey(
          claimsWith({ iat: Math.floor(Date.now() / 1000) - 1200, exp: Math.floor(Date.now() / 1000) - 300 }),
        ),
    ],
    [
      'tampered',
      async () => {
        const [header, , signature] = user.session.accessToken.split('.')
        return `${header}.${b64(claimsWith({ role: 'admin' }))}.${signature}`
      },
    ],
    ['unsigned (alg none)', async () => `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(claimsWith())}.`],
    ['HMAC-signed with our public key (HS/RS swap)', hmacWithPublicKey],
    ['for another audience', () => signedWithOurKey(claimsWith({ aud: 'another-api' }))],
    ['from another issuer', () => signedWithOurKey(claimsWith({ iss: 'someone-else' }))],
    [
      'without an expiry',
      async () => {
        const { exp: _, ...claims } = claimsWith()
        return signedWithOurKey(claims)
      },
    ],
  ]
  for (const [name, token] of refusals) {
    it(`refuse a token that is ${name} with 401`, async () => {
      const response = await call({ method: 'GET', path: '/users/me', token: await token() })
      expect(response.status).toBe(401)
      expect(response.headers['content-type']).toBe('application/problem+json')
      expect(response.body.code).toBe('unauthorized')
    })
  }

  it('leave nothing behind for the next request on the same warm function', async () => {
    expect((await call({ method: 'GET', path: '/users/me', token: user.session.accessToken })).status).toBe(
      200,
    )
    expect((await call({ method: 'GET', path: '/users/me' })).status).toBe(401)
  })

  it('refuse a malformed Authorization header', async () => {
    const response = await call({
      method: 'GET',
      path: '/users/me',
      headers: { authorization: `Basic ${user.session.accessToken}` },
    })
    expect(response.status).toBe(401)
  })

  it('stop working once the user is disabled', async () => {
    const target = await signUp(call, newUser('disabled'))
    const sql = await postgresClient()
    await sql`update users set status = 'disabled' where id = ${target.session.user.id}`
    expect((await call({ method: 'GET', path: '/users/me', token: target.session.accessToken })).status).toBe(
      401,
    )
    expect(
      (
        await call({
          method: 'POST',
          path: '/auth/refresh',
          body: { refreshToken: target.session.refreshToken },
        })
      ).status,
    ).toBe(401)
  })
})

describe('admin routes', () => {
  it('answer 403 to a signed-in user without the admin role', async () => {
    const list = await call({ method: 'GET', path: '/admin/users', token: user.session.accessToken })
    expect(list.status).toBe(403)
    const patch = await call({
      method: 'PATCH',
      path: `/admin/users/${user.session.user.id}`,
      token: user.session.accessToken,
      body: { role: 'admin' },
    })
    expect(patch.status).toBe(403)
  })

  it('answer 401 without a token', async () => {
    expect((await call({ method: 'GET', path: '/admin/users' })).status).toBe(401)
  })
})
