import type { Db } from 'mongodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuditDocument } from '../../../lib/audit/log.ts'
import { collections } from '../../../lib/migrations/mongo.ts'
import { closeMongo, mongoDb } from '../../../lib/stores/mongo.ts'
import { closePostgres, postgresClient } from '../../../lib/stores/postgres.ts'
import { type Call, identityApi, newUser, type SessionBody, signUp } from './api.ts'

let call: Call
let db: Db
let admin: Awaited<ReturnType<typeof signUp>>
/** Every secret the actions below send, none of which may reach the audit log. */
const secrets: string[] = []

beforeAll(async () => {
  call = await identityApi()
  db = await mongoDb()
  admin = await signUp(call, newUser('auditadm'))
  const sql = await postgresClient()
  await sql`update users set role = 'admin' where id = ${admin.session.user.id}`
})
afterAll(async () => {
  await Promise.all([closePostgres(), closeMongo()])
})

const entries = (
  filter: Partial<Pick<AuditDocument, 'action' | 'targetId' | 'actorId'>> & Record<string, unknown>,
) => db.collection<AuditDocument>(collections.auditLog).find(filter).toArray()

describe('the audit log', () => {
  it('keeps one document per security action, with who, what, when, where and the request id', async () => {
    const user = await signUp(call, newUser('audited'))
    const id = user.session.user.id
    secrets.push(user.password, user.session.accessToken, user.session.refreshToken)

    const login = await call<SessionBody>({
      method: 'POST',
      path: '/auth/login',
      ip: '10.20.30.40',
      body: { login: user.username, password: user.password },
    })
    secrets.push(login.body.refreshToken, login.body.accessToken)
    await call({
      method: 'POST',
      path: '/auth/login',
      body: { login: user.username, password: 'the wrong password' },
    })
    const unknownLogin = `nobody_${Date.now()}`
    await call({
      method: 'POST',
      path: '/auth/login',
      body: { login: unknownLogin, password: 'the wrong password' },
    })

    const rotated = await call<SessionBody>({
      method: 'POST',
      path: '/auth/refresh',
      body: { refreshToken: login.body.refreshToken },
    })
    secrets.push(rotated.body.refreshToken)
    await call({ method: 'POST', path: '/auth/refresh', body: { refreshToken: login.body.refreshToken } })

    await call({ method: 'POST', path: '/auth/logout', body: { refreshToken: user.session.refreshToken } })
    const second = await call<SessionBody>({
      method: 'POST',
      path: '/auth/login',
      body: { login: user.username, password: user.password },
    })
    secrets.push('a whole new passphrase')
    await call({
      method: 'PUT',
      path: '/users/me/password',
      token: second.body.accessToken,
      body: { currentPassword: user.password, newPassword: 'a whole new passphrase' },
    })
    await call({
      method: 'PATCH',
      path: `/admin/users/${id}`,
      token: admin.session.accessToken,
      body: { role: 'admin' },
    })
    await call({
      method: 'PATCH',
      path: `/admin/users/${id}`,
      token: admin.session.accessToken,
      body: { status: 'disabled' },
    })
    await call({
      method: 'PATCH',
      path: `/admin/users/${id}`,
      token: admin.session.accessToken,
      body: { status: 'active' },
    })
    // Disabling ended every session, so deleting takes a new login.
    const third = await call<SessionBody>({
      method: 'POST',
      path: '/auth/login',
      body: { login: user.username, password: 'a whole new passphrase' },
    })
    secrets.push(third.body.accessToken, third.body.refreshToken)
    expect((await call({ method: 'DELETE', path: '/users/me', token: third.body.accessToken })).status).toBe(
      204,
    )

    const expectOne = async (filter: Record<string, unknown>) => {
      const found = await entries({ targetId: id, ...filter })
      expect(found, JSON.stringify(filter)).toHaveLength(1)
      const [entry] = found
      expect(entry?.at).toBeInstanceOf(Date)
      expect(entry?.requestId).toMatch(/=$/)
      expect(entry?.userAgent).toBe('identity-test/1.0')
      expect(entry?.ip).toMatch(/^10\./)
      return entry
    }
    await expectOne({ action: 'auth.signup', actorId: id })
    const success = await expectOne({ action: 'auth.login', outcome: 'success', ip: '10.20.30.40' })
    expect(success?.actorId).toBe(id)
    await expectOne({ action: 'auth.login', outcome: 'failure', 'details.reason': 'wrong_password' })
    await expectOne({ action: 'auth.refresh_reuse', outcome: 'denied' })
    await expectOne({ action: 'user.password_change', outcome: 'success', actorId: id })
    const roleChange = await expectOne({ action: 'admin.role_change', actorId: admin.session.user.id })
    expect(roleChange?.details).toEqual({ from: 'user', to: 'admin' })
    await expectOne({ action: 'admin.disable', actorId: admin.session.user.id })
    await expectOne({ action: 'admin.enable', actorId: admin.session.user.id })
    await expectOne({ action: 'user.delete', actorId: id })
    expect(await entries({ action: 'auth.logout', actorId: id })).toHaveLength(1)
    const unknown = await entries({ action: 'auth.login', 'details.login': unknownLogin })
    expect(unknown).toHaveLength(1)
    expect(unknown[0]).toMatchObject({
      outcome: 'failure',
      actorId: null,
      details: { reason: 'unknown_login' },
    })
  })

  it('never holds a password or a token', async () => {
    const everything = JSON.stringify(await db.collection(collections.auditLog).find({}).toArray())
    expect(secrets.length).toBeGreaterThan(5)
    for (const secret of secrets) expect(everything).not.toContain(secret)
  })
})
