// Login by email or username: one answer for every failure, the same cost whether or not the account exists.
import { z } from 'zod'
import { RateLimitedError, UnauthorizedError } from '../errors.ts'
import { accountByLogin, accountView } from '../users/accounts.ts'
import * as fields from '../users/fields.ts'
import { hashPassword, needsRehash, verifyAgainstDummy, verifyPassword } from './passwords.ts'
import { type Session, type SessionContext, startSession } from './sessions.ts'

export const loginInput = z.strictObject({
  login: z.string().trim().min(1, 'is required').max(254, 'is too long'),
  password: fields.password,
})
export type LoginInput = z.infer<typeof loginInput>

/** Failed attempts per login and address; see lib/rate-limit/login.ts for why the pair and not the login. */
export interface LoginLimiter {
  /** Throws RateLimitedError while this login from this address has failed too often. */
  check(login: string, ip: string): Promise<void>
  recordFailure(login: string, ip: string): Promise<void>
}

export interface LoginContext extends SessionContext {
  limiter: LoginLimiter
}

export async function login(ctx: LoginContext, input: LoginInput): Promise<Session> {
  const key = input.login.normalize('NFC').toLowerCase()
  const details = { login: key }
  try {
    await ctx.limiter.check(key, ctx.meta.ip)
  } catch (error) {
    if (error instanceof RateLimitedError) {
      await ctx.audit({ action: 'auth.login', actorId: null, outcome: 'denied', details })
    }
    throw error
  }
  const account = await accountByLogin(ctx.sql, key)
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
  if (needsRehash(account.passwordHash)) {
    const upgraded = await hashPassword(input.password)
    await ctx.sql`update users set password_hash = ${upgraded} where id = ${account.id}`
  }
  await ctx.audit({ action: 'auth.login', actorId: account.id, targetId: account.id, outcome: 'success' })
  return startSession(ctx, accountView(account))
}
