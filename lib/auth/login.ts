// Login by email or username: one answer for every failure, the same cost whether or not the account exists.
import { createHash } from 'node:crypto'
import { RateLimitedError, UnauthorizedError } from '../errors.ts'
import type { LoginInput } from '../protocol/http/auth.ts'
import { accountByLogin, accountView } from '../users/accounts.ts'
import { hashPassword, needsRehash, verifyAgainstDummy, verifyPassword } from './passwords.ts'
import { type Session, type SessionContext, startSession } from './sessions.ts'

/** Who may guess how often: per login and address (see lib/rate-limit/login.ts), and per account whatever the address. */
export interface LoginLimiter {
  /** Throws RateLimitedError while this login from this address has failed too often. */
  check(login: string, ip: string): Promise<void>
  recordFailure(login: string, ip: string): Promise<void>
  /** Counts a guess at the account before its password is checked; throws RateLimitedError while it must wait. */
  admitGuess(accountKey: string): Promise<void>
  /** The right password: the account's guesses start over. */
  clearGuesses(accountKey: string): Promise<void>
}

export interface LoginContext extends SessionContext {
  limiter: LoginLimiter
}

const hashed = (login: string) => createHash('sha256').update(login).digest('base64url')

export async function login(ctx: LoginContext, input: LoginInput): Promise<Session> {
  const key = input.login.normalize('NFC').toLowerCase()
  const details = { login: key }
  const refusedWhen = async (reason: string, limit: () => Promise<void>) => {
    try {
      await limit()
    } catch (error) {
      if (error instanceof RateLimitedError) {
        await ctx.audit({
          action: 'auth.login',
          actorId: null,
          outcome: 'denied',
          details: { ...details, reason },
        })
      }
      throw error
    }
  }
  await refusedWhen('address_limit', () => ctx.limiter.check(key, ctx.meta.ip))
  const account = await accountByLogin(ctx.sql, key)
  // An unknown login is limited like an account, so the answers cannot tell the two apart.
  const accountKey = account ? `user:${account.id}` : `login:${hashed(key)}`
  await refusedWhen('account_backoff', () => ctx.limiter.admitGuess(accountKey))
  const matches = account
    ? await verifyPassword(account.passwordHash, input.password)
    : await verifyAgainstDummy(input.password)
  if (!account || !matches || account.status !== 'active') {
    await ctx.limiter.recordFailure(key, ctx.meta.ip)
    await ctx.audit({
      action: 'auth.login',
      actorId: null,
      ...(account ? { targetId: account.id } : {}),
      outcome: 'failure',
      details: { ...details, reason: !account ? 'unknown_login' : !matches ? 'wrong_password' : 'inactive' },
    })
    throw new UnauthorizedError('The login or password is incorrect.')
  }
  await ctx.limiter.clearGuesses(accountKey)
  if (needsRehash(account.passwordHash)) {
    const upgraded = await hashPassword(input.password)
    await ctx.sql`update users set password_hash = ${upgraded} where id = ${account.id}`
  }
  await ctx.audit({ action: 'auth.login', actorId: account.id, targetId: account.id, outcome: 'success' })
  return startSession(ctx, accountView(account))
}
