// Access-token keys, split by who may hold them: the private signing key (token issuers only) and the public
// key set (every function that verifies). Generated for local use, from the environment or Secrets Manager in AWS.
import { randomBytes } from 'node:crypto'
import {
  type CryptoKey,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  type JWTVerifyGetKey,
} from 'jose'
import {
  ConfigError,
  config,
  type PublicKeySet,
  publicKeySetSchema,
  type SigningKeyJwk,
  signingKeysSchema,
} from '../config.ts'
import { lazy } from '../stores/lazy.ts'
import { secretJson } from '../stores/secrets.ts'

/** The one algorithm the service signs and accepts; a token naming any other is refused. */
export const signingAlgorithm = 'ES256'

/** What issues tokens: the current signer's key id, written into each token's header, and its private key. */
export interface SigningKey {
  kid: string
  privateKey: CryptoKey
}

export interface VerifyingKeys {
  /** Resolves a token's `kid` against our own public keys only, never against anything in the token. */
  verificationKey: JWTVerifyGetKey
}

/** The JSON for JWT_SIGNING_KEYS: one fresh ES256 private key with a random key id. */
export async function generateSigningKeys(): Promise<string> {
  const { privateKey } = await generateKeyPair(signingAlgorithm, { extractable: true })
  const jwk = await exportJWK(privateKey)
  return JSON.stringify([{ ...jwk, kid: randomBytes(12).toString('base64url'), alg: signingAlgorithm }])
}

/** The public half of a signing key list, as the JWKS that verifying functions read (JWT_PUBLIC_KEYS). */
export function publicKeySet(keys: readonly SigningKeyJwk[]): PublicKeySet {
  return { keys: keys.map(({ kty, crv, x, y, kid, alg }) => ({ kty, crv, x, y, kid, alg, use: 'sig' })) }
}

export async function importSigningKey(jwks: readonly SigningKeyJwk[]): Promise<SigningKey> {
  const [signer] = jwks
  if (!signer?.d) throw new ConfigError('Invalid configuration: the first signing key needs its private part')
  return { kid: signer.kid, privateKey: (await importJWK(signer, signingAlgorithm)) as CryptoKey }
}

export function importVerifyingKeys(set: PublicKeySet): VerifyingKeys {
  return { verificationKey: createLocalJWKSet({ keys: set.keys as JWK[] }) }
}

/** A value given inline (local runs, tests) or, in AWS, the JSON of a Secrets Manager secret. */
async function keyMaterial<T>(
  parse: { safeParse(value: unknown): { success: true; data: T } | { success: false } },
  inline: T | undefined,
  secretArn: string | undefined,
  names: string,
): Promise<T> {
  if (inline) return inline
  if (!secretArn) throw new ConfigError(`Invalid configuration: ${names}: set one of them`)
  const parsed = parse.safeParse(await secretJson<Record<string, unknown>>(secretArn))
  if (!parsed.success)
    throw new ConfigError(`Invalid configuration: secret ${secretArn} holds no usable keys`)
  return parsed.data
}

/** The process's signing key, fetched and imported once: only functions that issue tokens are given one. */
export const signingKey = lazy(async () => {
  const { JWT_SIGNING_KEYS, JWT_SIGNING_SECRET_ARN } = config()
  const keys = await keyMaterial(
    signingKeysSchema,
    JWT_SIGNING_KEYS,
    JWT_SIGNING_SECRET_ARN,
    'JWT_SIGNING_KEYS or JWT_SIGNING_SECRET_ARN',
  )
  return importSigningKey(keys)
}).get

/** The process's public key set, fetched once: every key that may have signed a live token. */
export const verifyingKeys = lazy(async () => {
  const { JWT_PUBLIC_KEYS, JWT_PUBLIC_KEYS_SECRET_ARN } = config()
  const set = await keyMaterial(
    publicKeySetSchema,
    JWT_PUBLIC_KEYS,
    JWT_PUBLIC_KEYS_SECRET_ARN,
    'JWT_PUBLIC_KEYS or JWT_PUBLIC_KEYS_SECRET_ARN',
  )
  return importVerifyingKeys(set)
}).get
