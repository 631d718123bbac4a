// Verifying an address, resetting a password, and the caller's sessions, through the handlers with real stores.
import type { Db } from 'mongodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAuthHandler } from '../../../functions/http/auth.ts'
import { createFriendsHandler } from '../../../functions/http/friends.ts'
import { createUsersHandler } from '../../../functions/http/users.ts'
import type { AuditDocument } from '../../../lib/audit/log.ts'
import { recordedUserEvents } from '../../../lib/events/recorded.ts'
import { mongoStoreDeps } from '../../../lib/http/mongo-deps.ts'
import { collections } from '../../../lib/migrations/mongo.ts'
import { closeMongo, mongoDb } from '../../../lib/stores/mongo.ts'
import { closePostgres, postgresClient } from '../../../lib/stores/postgres.ts'
import { lastMailTo, linkToken, mailTo } from '../../mailbox.ts'
import { apiOver, type Call, freshIp, newUser, type SessionBody, signUp } from './api.ts'

const ended: { userId: string; sessionIds: readonly string[] }[] = []
let call: Call
let db: Db

beforeAll(async () => {
  call = apiOver({
    auth: createAuthHandler(mongoStoreDeps, undefined, async (change) => {
      ended.push(change)
    }),
    users: createUsersHandler(mongoStoreDeps),
    friends: createFriendsHandler({
      ...mongoStoreDeps,
      userEvents: recordedUserEvents(mongoStoreDeps.mongo),
    }),
  })
  db = await mongoDb()
})
afterAll(async () => {
  await Promise.all([closePostgres(), closeMongo()])
})

const auditOf = (targetId: string, action: AuditDocument['action']) =>
  db.collection<AuditDocument>(collections.auditLog).find({ targetId, action }).toArray()

const logIn = (login: string, password: string, ip = freshIp()) =>
  call<SessionBody>({ method: 'POST', path: '/auth/login', ip, body: { login, password } })

describe('email verification', () => {
  it('the mailed link verifies the address once; a second use is refused', async () => {
    const user = await signUp(call, newUser('verify'), {}, { verify: false })
    const token = linkToken(await lastMailTo(user.email.toLowerCase()), '/verify-email')
    const first = await call({ method: 'POST', path: '/auth/verify-email', body: { token } })
    const second = await call({ method: 'POST', path: '/auth/verify-email', body: { token } })
    expect(first.status).toBe(204)
    expect(second.status).toBe(400)
    expect(second.body.errors).toEqual([{ path: 'token', message: 'is invalid, expired or already used' }])
    const me = await call<{ emailVerified: boolean }>({
      method: 'GET',
      path: '/users/me',
      token: user.session.accessToken,
    })
    expect(me.body.emailVerified).toBe(true)
    expect(await auditOf(user.session.user.id, 'auth.verify_email')).toHaveLength(1)
  })

  it('a new link replaces the old one, and none is sent once the address is verified', async () => {
    const user = await signUp(call, newUser('resend'), {}, { verify: false })
    const address = user.email.toLowerCase()
    const old = linkToken(await lastMailTo(address), '/verify-email')
    const resend = () =>
      call({ method: 'POST', path: '/auth/verify-email/resend', token: user.session.accessToken })
    expect((await resend()).status).toBe(202)
    const fresh = linkToken(await lastMailTo(address), '/verify-email')
    expect(fresh).not.toBe(old)
    expect((await call({ method: 'POST', path: '/auth/verify-email', body: { token: old } })).status).toBe(
      400,
    )
    expect((await call({ method: 'POST', path: '/auth/verify-email', body: { token: fresh } })).status).toBe(
      204,
    )
    const before = (await mailTo(address)).length
    expect((await resend()).status).toBe(202)
    expect(await mailTo(address)).toHaveLength(before)
  })
})

describe('password reset', () => {
  it('answers a registered and an unknown address alike, and mails each what applies', async () => {
    const user = await signUp(call, newUser('forgot'))
    const unknown = newUser('nobody').email.toLowerCase()
    const known = await call({ method: 'POST', path: '/auth/password-reset', body: { email: user.email } })
    const missing = await call({ method: 'POST', path: '/auth/password-reset', body: { email: unknown } })
    expect(known.status).toBe(202)
    expect(missing.status).toBe(202)
    expect(missing.body).toEqual(known.body)
    expect(linkToken(await lastMailTo(user.email.toLowerCase()), '/reset-password')).toMatch(/^[\w-]{43}$/)
    expect((await lastMailTo(unknown)).text).toMatch(/there is no such account/)
  })

  it('sets the new password once, ends every session, and verifies the address', async () => {
    const user = await signUp(call, newUser('reset'), {}, { verify: false })
    const second = await logIn(user.username, user.password)
    const userId = user.session.user.id
    await call({ method: 'POST', path: '/auth/password-reset', body: { email: user.email } })
    const token = linkToken(await lastMailTo(user.email.toLowerCase()), '/reset-password')

    const weak = await call({
      method: 'POST',
      path: '/auth/password-reset/confirm',
      body: { token, password: 'password1' },
    })
    expect(weak.status).toBe(400)
    const password = 'a brand new passphrase for this test'
    const confirm = () =>
      call({ method: 'POST', path: '/auth/password-reset/confirm', body: { token, password } })
    expect((await confirm()).status).toBe(204)
    expect((await confirm()).status).toBe(400)

    const endedIds = ended.filter((change) => change.userId === userId).flatMap((change) => change.sessionIds)
    expect(endedIds).toHaveLength(2)
    for (const session of [user.session, second.body]) {
      expect((await call({ method: 'GET', path: '/users/me', token: session.accessToken })).status).toBe(401)
      const refresh = await call({
        method: 'POST',
        path: '/auth/refresh',
        body: { refreshToken: session.refreshToken },
      })
      expect(refresh.status).toBe(401)
    }
    expect((await logIn(user.username, user.password)).status).toBe(401)
    const fresh = await logIn(user.username, password)
    expect(fresh.status).toBe(200)
    expect(fresh.body.user).toMatchObject({ emailVerified: true })
    expect((await auditOf(userId, 'auth.password_reset')).map((entry) => entry.outcome)).toEqual(['success'])
  })

  it('limits mail to one address across routes, whatever the client address', async () => {
    const user = newUser('flood')
    const statuses: number[] = []
    for (let i = 0; i < 6; i++) {
      const response = await call({
        method: 'POST',
        path: '/auth/password-reset',
        ip: freshIp(),
        body: { email: user.email },
      })
      statuses.push(response.status)
    }
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429])
    const signup = await call({ method: 'POST', path: '/auth/signup', ip: freshIp(), body: user })
    expect(signup.status).toBe(429)
    expect(await mailTo(user.email.toLowerCase())).toHaveLength(5)
  })

  it('limits reset requests per client address', async () => {
    const ip = freshIp()
    const statuses: number[] = []
    for (let i = 0; i < 11; i++) {
      const response = await call({
        method: 'POST',
        path: '/auth/password-reset',
        ip,
        body: { email: newUser('perip').email },
      })
      statuses.push(response.status)
    }
    expect(statuses.slice(0, 10).every((status) => status === 202)).toBe(true)
    expect(statuses[10]).toBe(429)
  })
})

describe('sessions', () => {
  it('lists the caller’s sessions with the current one marked and the address reduced to its network', async () => {
    const user = await signUp(call, newUser('list'))
    const other = await logIn(user.username, user.password, '192.0.2.77')
    const listed = await call<{ items: Record<string, unknown>[] }>({
      method: 'GET',
      path: '/auth/sessions',
      token: other.body.accessToken,
    })
    expect(listed.status).toBe(200)
    expect(listed.body.items).toHaveLength(2)
    const current = listed.body.items.filter((item) => item.current)
    expect(current).toEqual([
      {
        id: expect.any(String),
        createdAt: expect.any(String),
        lastUsedAt: expect.any(String),
        userAgent: 'identity-test/1.0',
        ipClass: '192.0.2.0/24',
        current: true,
      },
    ])
    expect(JSON.stringify(listed.body)).not.toContain('192.0.2.77')
  })

  it('ends one session, which then refuses its access token; another user’s session is not found', async () => {
    const user = await signUp(call, newUser('endone'))
    const other = await logIn(user.username, user.password)
    const stranger = await signUp(call, newUser('stranger'))
    const sessions = await call<{ items: { id: string; current: boolean }[] }>({
      method: 'GET',
      path: '/auth/sessions',
      token: user.session.accessToken,
    })
    const target = sessions.body.items.find((item) => !item.current)?.id as string
    const foreign = await call({
      method: 'DELETE',
      path: `/auth/sessions/${target}`,
      token: stranger.session.accessToken,
    })
    expect(foreign.status).toBe(404)
    const end = await call({
      method: 'DELETE',
      path: `/auth/sessions/${target}`,
      token: user.session.accessToken,
    })
    expect(end.status).toBe(204)
    expect(ended).toContainEqual({ userId: user.session.user.id, sessionIds: [target] })
    expect((await call({ method: 'GET', path: '/users/me', token: other.body.accessToken })).status).toBe(401)
    expect((await call({ method: 'GET', path: '/users/me', token: user.session.accessToken })).status).toBe(
      200,
    )
    expect(await auditOf(user.session.user.id, 'auth.session_end')).toHaveLength(1)
  })

  it('ends every session but the current one', async () => {
    const user = await signUp(call, newUser('endall'))
    const others = [await logIn(user.username, user.password), await logIn(user.username, user.password)]
    const response = await call<{ ended: number }>({
      method: 'DELETE',
      path: '/auth/sessions',
      token: user.session.accessToken,
    })
    expect(response.body).toEqual({ ended: 2 })
    for (const other of others)
      expect((await call({ method: 'GET', path: '/users/me', token: other.body.accessToken })).status).toBe(
        401,
      )
    expect((await call({ method: 'GET', path: '/users/me', token: user.session.accessToken })).status).toBe(
      200,
    )
  })
})

describe('what an unverified account may do', () => {
  it('answers a friend request but does not send one', async () => {
    const verified = await signUp(call, newUser('sender'))
    const unverified = await signUp(call, newUser('fresh'), {}, { verify: false })
    const asks = await call({
      method: 'POST',
      path: `/friends/${verified.session.user.id}`,
      token: unverified.session.accessToken,
    })
    expect(asks.status).toBe(403)
    expect(asks.body.code).toBe('email_unverified')
    const request = await call({
      method: 'POST',
      path: `/friends/${unverified.session.user.id}`,
      token: verified.session.accessToken,
    })
    expect(request.status).toBe(201)
    const accept = await call({
      method: 'POST',
      path: `/friends/${verified.session.user.id}/accept`,
      token: unverified.session.accessToken,
    })
    expect(accept.status).toBe(200)
  })
})

it('keeps tokens out of the database: only their hashes are stored', async () => {
  const user = await signUp(call, newUser('hashed'), {}, { verify: false })
  const token = linkToken(await lastMailTo(user.email.toLowerCase()), '/verify-email')
  const sql = await postgresClient()
  const rows = await sql`select token_hash from account_tokens where user_id = ${user.session.user.id}`
  expect(rows).toHaveLength(1)
  expect(JSON.stringify(rows)).not.toContain(token)
})
