// Secrets Manager rotation of the JWT signing keys (ES256 JWKs, the shape lib/config.ts reads as JWT_SIGNING_KEYS),
// which also publishes their public halves to the public-keys secret that verifying functions read.
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager'

export interface SigningKey {
  kty: 'EC'
  crv: 'P-256'
  alg: 'ES256'
  kid: string
  x: string
  y: string
  d?: string
}

export function newSigningKey(): SigningKey {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const { x, y, d } = privateKey.export({ format: 'jwk' })
  if (!x || !y || !d) throw new Error('node:crypto exported an incomplete P-256 key')
  return { kty: 'EC', crv: 'P-256', alg: 'ES256', kid: randomBytes(12).toString('base64url'), x, y, d }
}

function isSigningKey(value: unknown): value is SigningKey {
  const key = value as Partial<SigningKey> | null
  return (
    typeof key === 'object' &&
    key !== null &&
    key.kty === 'EC' &&
    key.crv === 'P-256' &&
    key.alg === 'ES256' &&
    typeof key.kid === 'string' &&
    typeof key.x === 'string' &&
    typeof key.y === 'string'
  )
}

/** A key list whose first key can sign, or undefined (the placeholder a new secret starts with). */
export function parseSigningKeys(text: string | undefined): SigningKey[] | undefined {
  try {
    const keys: unknown = JSON.parse(text ?? '')
    if (Array.isArray(keys) && keys.every(isSigningKey) && keys[0]?.d) return keys
  } catch {
    // Not JSON: treated like no keys at all.
  }
  return undefined
}

/**
 * The next key list: `[signer, next, previous]`. A key is published as `next` one rotation before it
 * signs, so every function's cached copy (Powertools keeps secrets 5 minutes) verifies its tokens from
 * its first day; the previous signer stays, public part only, for the tokens it signed.
 */
export function rotateSigningKeys(current: SigningKey[] | undefined, generate = newSigningKey): SigningKey[] {
  if (!current) return [generate(), generate()]
  const [signer, next] = current as [SigningKey, SigningKey | undefined]
  const { d: _private, ...previous } = signer
  return [next?.d ? next : generate(), generate(), previous]
}

/** The JWKS of the verifying functions (lib/config.ts JWT_PUBLIC_KEYS): every key of the list, public part only. */
export function publicKeySet(keys: readonly SigningKey[]): { keys: Omit<SigningKey, 'd'>[] } {
  return { keys: keys.map(({ d: _private, ...key }) => ({ ...key, use: 'sig' })) }
}

interface RotationEvent {
  SecretId: string
  ClientRequestToken: string
  Step: 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret'
}

const secrets = new SecretsManagerClient({})

/** Where the public keys go; the stack sets it. */
const publicKeysSecretId = () => {
  const id = process.env.PUBLIC_KEYS_SECRET_ARN
  if (!id) throw new Error('PUBLIC_KEYS_SECRET_ARN is not set')
  return id
}

export async function handler({ SecretId, ClientRequestToken: token, Step }: RotationEvent): Promise<void> {
  const description = await secrets.send(new DescribeSecretCommand({ SecretId }))
  const versions = description.VersionIdsToStages ?? {}
  const stages = versions[token]
  if (!description.RotationEnabled) throw new Error(`rotation is not enabled on ${SecretId}`)
  if (!stages) throw new Error(`${token} is not a version of ${SecretId}`)
  if (stages.includes('AWSCURRENT')) return
  if (!stages.includes('AWSPENDING')) throw new Error(`${token} of ${SecretId} is not pending`)

  if (Step === 'createSecret') {
    try {
      await secrets.send(
        new GetSecretValueCommand({ SecretId, VersionId: token, VersionStage: 'AWSPENDING' }),
      )
      return
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error
    }
    const current = await secrets.send(new GetSecretValueCommand({ SecretId, VersionStage: 'AWSCURRENT' }))
    const keys = rotateSigningKeys(parseSigningKeys(current.SecretString))
    await secrets.send(
      new PutSecretValueCommand({
        SecretId,
        ClientRequestToken: token,
        SecretString: JSON.stringify(keys),
        VersionStages: ['AWSPENDING'],
      }),
    )
  } else if (Step === 'testSecret') {
    const pending = await secrets.send(
      new GetSecretValueCommand({ SecretId, VersionId: token, VersionStage: 'AWSPENDING' }),
    )
    if (!parseSigningKeys(pending.SecretString))
      throw new Error(`pending version of ${SecretId} is not a key list`)
  } else if (Step === 'finishSecret') {
    // Published before the new list becomes current, and idempotent, so a retried step does no harm. The set
    // holds the signer that stays in use until the move below and the published next key that follows it, so
    // no verifier's cached copy (old or new) ever lacks the key of a live token.
    const pending = await secrets.send(
      new GetSecretValueCommand({ SecretId, VersionId: token, VersionStage: 'AWSPENDING' }),
    )
    const keys = parseSigningKeys(pending.SecretString)
    if (!keys) throw new Error(`pending version of ${SecretId} is not a key list`)
    await secrets.send(
      new PutSecretValueCommand({
        SecretId: publicKeysSecretId(),
        SecretString: JSON.stringify(publicKeySet(keys)),
      }),
    )
    const currentVersion = Object.entries(versions).find(([, labels]) => labels.includes('AWSCURRENT'))?.[0]
    await secrets.send(
      new UpdateSecretVersionStageCommand({
        SecretId,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: token,
        RemoveFromVersionId: currentVersion,
      }),
    )
  }
  // setSecret: nothing outside Secrets Manager holds the keys.
}
