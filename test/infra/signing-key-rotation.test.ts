import { createLocalJWKSet, importJWK, jwtVerify, SignJWT } from 'jose'
import { describe, expect, test } from 'vitest'
import {
  parseSigningKeys,
  rotateSigningKeys,
  type SigningKey,
} from '../../infra/cloud/signing-key-rotation.lambda.ts'
import { signingKeysSchema } from '../../lib/config.ts'

const publicSet = (keys: SigningKey[]) =>
  createLocalJWKSet({ keys: keys.map(({ d: _private, ...publicKey }) => publicKey) })

async function sign(key: SigningKey): Promise<string> {
  return new SignJWT({ sub: 'user-1' })
    .setProtectedHeader({ alg: 'ES256', kid: key.kid })
    .setExpirationTime('15m')
    .sign(await importJWK(key, 'ES256'))
}

describe('JWT signing key rotation', () => {
  test('a new secret gets a signer and a published next key, in the shape lib/config.ts reads', () => {
    const keys = rotateSigningKeys(parseSigningKeys('placeholder Secrets Manager generated'))
    expect(keys).toHaveLength(2)
    expect(keys.every((key) => key.d)).toBe(true)
    expect(new Set(keys.map((key) => key.kid)).size).toBe(2)
    expect(signingKeysSchema.safeParse(keys).success).toBe(true)
  })

  test('each rotation promotes the published key, publishes a new one and keeps the old signer public only', () => {
    const [signer, next] = rotateSigningKeys(undefined) as [SigningKey, SigningKey]
    const rotated = rotateSigningKeys([signer, next])
    expect(rotated[0]).toEqual(next)
    expect(rotated[1]?.d).toBeDefined()
    expect(rotated[1]?.kid).not.toBe(signer.kid)
    const { d: _private, ...signerPublic } = signer
    expect(rotated[2]).toStrictEqual(signerPublic)
    expect(rotated).toHaveLength(3)
    expect(signingKeysSchema.safeParse(rotated).success).toBe(true)
    expect(rotateSigningKeys(rotated).map((key) => key.kid)).not.toContain(signer.kid)
  })

  test('tokens signed before a rotation still verify after it, and the next signer verifies before it signs', async () => {
    const before = rotateSigningKeys(undefined)
    const after = rotateSigningKeys(before)
    const oldToken = await sign(before[0] as SigningKey)
    await expect(jwtVerify(oldToken, publicSet(after))).resolves.toBeDefined()
    const newToken = await sign(after[0] as SigningKey)
    await expect(jwtVerify(newToken, publicSet(before))).resolves.toBeDefined()
  })

  test('only a list whose first key can sign is taken as the current keys', () => {
    const [signer, next] = rotateSigningKeys(undefined) as [SigningKey, SigningKey]
    const { d: _private, ...publicOnly } = signer
    expect(parseSigningKeys(JSON.stringify([signer, next]))).toHaveLength(2)
    expect(parseSigningKeys(JSON.stringify([publicOnly, next]))).toBeUndefined()
    expect(parseSigningKeys('[]')).toBeUndefined()
    expect(parseSigningKeys('{"url":""}')).toBeUndefined()
    expect(parseSigningKeys(undefined)).toBeUndefined()
  })
})
