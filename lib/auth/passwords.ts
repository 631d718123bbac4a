// Password policy and Argon2id hashing at (at least) OWASP's parameters.
import { randomBytes } from 'node:crypto'
import { type Options as Argon2Options, hash, parseOptions, verify } from '@node-rs/argon2'
import { InvalidError } from '../errors.ts'
import { breachedPasswords } from './breached-passwords.ts'

export const passwordLimits = { min: 8, max: 128 } as const

/** OWASP Password Storage: Argon2id, m = 19 MiB, t = 2, p = 1. Raise these and old hashes are upgraded on login. */
export const argon2Parameters = {
  // Algorithm.Argon2id: the enum is ambient (const) and cannot be read under isolatedModules.
  algorithm: 2,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const satisfies Argon2Options

/** Code points, not UTF-16 units, so an emoji counts as one character as a person would count it. */
const lengthOf = (password: string) => [...password].length

/** NIST SP 800-63B: normalise before hashing so the same password typed on two keyboards matches. */
const normalise = (password: string) => password.normalize('NFKC')

/**
 * ASVS 6.2: length 8..128 (never truncated), no composition rules, not a well-known breached password,
 * and not the account's own username or email.
 */
export function checkPasswordPolicy(password: string, context: readonly string[] = []): void {
  const length = lengthOf(password)
  const fail = (message: string) => {
    throw new InvalidError(message, [{ path: 'password', message }])
  }
  if (length < passwordLimits.min) fail(`The password must have at least ${passwordLimits.min} characters.`)
  if (length > passwordLimits.max) fail(`The password must have at most ${passwordLimits.max} characters.`)
  const lowered = normalise(password).toLowerCase()
  if (breachedPasswords.has(lowered)) fail('This password is too common; choose another.')
  if (context.some((word) => word.length > 0 && word.toLowerCase() === lowered)) {
    fail('The password must differ from the username and email.')
  }
}

export function hashPassword(password: string): Promise<string> {
  return hash(normalise(password), argon2Parameters)
}

/** A malformed stored hash (a disabled account's marker, say) verifies as false rather than throwing. */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, normalise(password))
  } catch {
    return false
  }
}

/** True when the stored hash was made with weaker parameters than today's. */
export function needsRehash(stored: string): boolean {
  try {
    const used = parseOptions(stored)
    return (
      used.algorithm !== argon2Parameters.algorithm ||
      used.memoryCost < argon2Parameters.memoryCost ||
      used.timeCost < argon2Parameters.timeCost
    )
  } catch {
    return false
  }
}

let dummyHash: Promise<string> | undefined

/** Verifies against a throwaway hash, so an unknown login costs the same time as a wrong password. */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= hashPassword(randomBytes(16).toString('base64url'))
  await verifyPassword(await dummyHash, password)
  return false
}
