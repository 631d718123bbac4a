// Short-lived access tokens: signed with the current key, verified with a pinned algorithm and every claim checked.
import { randomUUID } from 'node:crypto'
import { errors, jwtVerify, SignJWT } from 'jose'
import * as z from 'zod'
import { config } from '../config.ts'
import { UnauthorizedError } from '../errors.ts'
import { type SigningKey, signingAlgorithm, type VerifyingKeys, verifyingKeys } from './keys.ts'

/** RFC 9068's type for access tokens, so an ID token or any other JWT of ours cannot pass as one. */
const tokenType = 'at+jwt'

export interface TokenSettings {
  issuer: string
  audience: string
  accessTtlSeconds: number
}

export function tokenSettings(): TokenSettings {
  const { JWT_ISSUER, JWT_AUDIENCE, ACCESS_TOKEN_TTL_SECONDS } = config()
  return { issuer: JWT_ISSUER, audience: JWT_AUDIENCE, accessTtlSeconds: ACCESS_TOKEN_TTL_SECONDS }
}

/** Who a verified token speaks for: the user, their role when it was issued, and the session (refresh family). */
export interface AccessClaims {
  userId: string
  role: string
  sessionId: string
}

/** What verifies tokens: the public keys, held by every function that checks a caller. */
export interface Tokens {
  keys: VerifyingKeys
  settings: TokenSettings
}

/** What issues tokens: the private signing key, held only by the functions that start sessions. */
export interface Issuer {
  signer: SigningKey
  settings: TokenSettings
}

export async function issueAccessToken(issuer: Issuer, claims: AccessClaims): Promise<string> {
  const { signer, settings } = issuer
  return new SignJWT({ role: claims.role, sid: claims.sessionId })
    .setProtectedHeader({ alg: signingAlgorithm, kid: signer.kid, typ: tokenType })
    .setSubject(claims.userId)
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setIssuedAt()
    .setExpirationTime(`${settings.accessTtlSeconds}s`)
    .setJti(randomUUID())
    .sign(signer.privateKey)
}

const claimsSchema = z.object({ sub: z.uuid(), role: z.string().min(1), sid: z.uuid() })

/**
 * Verifies signature, algorithm, type, issuer, audience and expiry, and that `exp` and `sub` exist (jose
 * checks `exp` only when present). Any failure is a 401; the cause stays in `cause` for the log.
 */
export async function verifyAccessToken(
  token: string,
  keys?: VerifyingKeys,
  settings: TokenSettings = tokenSettings(),
): Promise<AccessClaims> {
  const verificationKey = (keys ?? (await verifyingKeys())).verificationKey
  try {
    const { payload } = await jwtVerify(token, verificationKey, {
      algorithms: [signingAlgorithm],
      issuer: settings.issuer,
      audience: settings.audience,
      typ: tokenType,
      requiredClaims: ['exp', 'iat', 'sub', 'sid'],
      maxTokenAge: settings.accessTtlSeconds,
      clockTolerance: 5,
    })
    const claims = claimsSchema.parse(payload)
    return { userId: claims.sub, role: claims.role, sessionId: claims.sid }
  } catch (error) {
    if (error instanceof errors.JOSEError || error instanceof z.ZodError) {
      throw new UnauthorizedError('The access token is invalid or has expired.', { cause: error })
    }
    throw error
  }
}
