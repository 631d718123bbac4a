// Access-token signing keys: generated for local use, loaded from the environment or Secrets Manager in AWS.
import { randomBytes } from 'node:crypto'
import {
  type CryptoKey,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWTVerifyGetKey,
} from 'jose'
import { ConfigError, config, type SigningKeyJwk, signingKeysSchema } from '../config.ts'
import { lazy } from '../stores/lazy.ts'
import { secretJson } from '../stores/secrets.ts'

/** The one algorithm the service signs and accepts; a token naming any other is refused. */
export const signingAlgorithm = 'ES256'

export interface SigningKeys {
  /** Key id of the signing key, written into each token's header. */
  kid: string
  privateKey: CryptoKey
  /** Resolves a token's `kid` against our own public keys only, never against anything in the token. */
  verificationKey: JWTVerifyGetKey
}

/** The JSON for JWT_SIGNING_KEYS: one fresh ES256 private key with a random key id. */
export async function generateSigningKeys(): Promise<string> {
  const { privateKey } = await generateKeyPair(signingAlgorithm, { extractable: true })
  const jwk = await exportJWK(privateKey)
  return JSON.stringify([{ ...jwk, kid: randomBytes(12).toString('base64url'), alg: signingAlgorithm }])
}

export async function importSigningKeys(jwks: readonly SigningKeyJwk[]): Promise<SigningKeys> {
  const [signer] = jwks
  if (!signer?.d) throw new ConfigError('Invalid configuration: the first signing key needs its private part')
  const privateKey = (await importJWK(signer, signingAlgorithm)) as CryptoKey
  const publicKeys = jwks.map(({ kty, crv, x, y, kid, alg }) => ({ kty, crv, x, y, kid, alg, use: 'sig' }))
  return { kid: signer.kid, privateKey, verificationKey: createLocalJWKSet({ keys: publicKeys }) }
}

async function configuredKeys(): Promise<SigningKeys> {
  const { JWT_SIGNING_KEYS, JWT_SECRET_ARN } = config()
  if (JWT_SIGNING_KEYS) return importSigningKeys(JWT_SIGNING_KEYS)
  if (!JWT_SECRET_ARN) {
    throw new ConfigError('Invalid configuration: JWT_SIGNING_KEYS: set JWT_SIGNING_KEYS or JWT_SECRET_ARN')
  }
  const parsed = signingKeysSchema.safeParse(await secretJson<Record<string, unknown>>(JWT_SECRET_ARN))
  if (!parsed.success)
    throw new ConfigError(`Invalid configuration: secret ${JWT_SECRET_ARN} is not a key list`)
  return importSigningKeys(parsed.data)
}

/** The process's signing keys, imported once (and fetched once from Secrets Manager in AWS). */
export const signingKeys = lazy(configuredKeys).get
