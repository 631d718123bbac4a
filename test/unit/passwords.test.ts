import { parseOptions } from '@node-rs/argon2'
import { describe, expect, it } from 'vitest'
import {
  argon2Parameters,
  checkPasswordPolicy,
  hashPassword,
  needsRehash,
  verifyAgainstDummy,
  verifyPassword,
} from '../../lib/auth/passwords.ts'
import { InvalidError } from '../../lib/errors.ts'

const policyError = (password: string, context: string[] = []) => {
  try {
    checkPasswordPolicy(password, context)
    return undefined
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidError)
    return (error as InvalidError).message
  }
}

describe('password policy', () => {
  it('accepts 8 to 128 characters with no composition rules', () => {
    expect(policyError('plainlowercasewords')).toBeUndefined()
    expect(policyError(`${'a'.repeat(7)}b`)).toBeUndefined()
    expect(policyError('x'.repeat(128))).toBeUndefined()
  })

  it('refuses fewer than 8 and more than 128 characters, never truncating', () => {
    expect(policyError('short1!')).toMatch(/at least 8/)
    expect(policyError('x'.repeat(129))).toMatch(/at most 128/)
  })

  it('counts characters as a person does, so 8 emoji are 8 characters', () => {
    expect(policyError('🔥'.repeat(8))).toBeUndefined()
    expect(policyError('🔥'.repeat(7))).toMatch(/at least 8/)
  })

  it('refuses well-known breached passwords in any case', () => {
    expect(policyError('Password1')).toMatch(/too common/)
    expect(policyError('QWERTYUIOP')).toMatch(/too common/)
  })

  it('refuses the account’s own username or email', () => {
    expect(policyError('Alice_Wonder', ['alice_wonder', 'a@example.com'])).toMatch(/differ/)
  })
})

describe('password hashing', () => {
  it('uses Argon2id at no less than OWASP’s parameters', async () => {
    const stored = await hashPassword('correct horse battery')
    const used = parseOptions(stored)
    expect(stored.startsWith('$argon2id$')).toBe(true)
    expect(used.memoryCost).toBeGreaterThanOrEqual(19_456)
    expect(used.timeCost).toBeGreaterThanOrEqual(2)
    expect(used.parallelism).toBe(1)
  })

  it('verifies the same password typed in another Unicode normal form', async () => {
    const stored = await hashPassword('ﬁre and ice!')
    expect(await verifyPassword(stored, 'fire and ice!')).toBe(true)
    expect(await verifyPassword(stored, 'fire and ice?')).toBe(false)
  })

  it('treats an unusable stored hash as a mismatch', async () => {
    expect(await verifyPassword('!', 'anything at all')).toBe(false)
    expect(await verifyAgainstDummy('anything at all')).toBe(false)
  })

  it('asks for a re-hash only when the stored parameters are weaker than today’s', async () => {
    expect(needsRehash(await hashPassword('correct horse battery'))).toBe(false)
    const { hash } = await import('@node-rs/argon2')
    const weak = await hash('correct horse battery', { ...argon2Parameters, memoryCost: 4096, timeCost: 1 })
    expect(needsRehash(weak)).toBe(true)
  })

  it('takes a bounded time per hash on this machine (reported, not asserted tightly)', async () => {
    await hashPassword('warm up the thread pool')
    const runs = 5
    const started = performance.now()
    for (let i = 0; i < runs; i++) await hashPassword(`measure ${i}`)
    const perHash = (performance.now() - started) / runs
    console.info(
      `argon2id m=${argon2Parameters.memoryCost} t=${argon2Parameters.timeCost}: ${perHash.toFixed(1)} ms/hash`,
    )
    expect(perHash).toBeLessThan(2_000)
  })
})
