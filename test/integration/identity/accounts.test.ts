import { hash } from '@node-rs/argon2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { argon2Parameters } from '../../../lib/auth/passwords.ts'
import { closeMongo } from '../../../lib/stores/mongo.ts'
import { closePostgres, postgresClient } from '../../../lib/stores/postgres.ts'
import { linkToken, mailTo } from '../../mailbox.ts'
import { type Call, freshIp, identityApi, newUser, type SessionBody, signUp } from './api.ts'

let call: Call
beforeAll(async () => {
  call = await identityApi()
})
afterAll(async () => {
  await Promise.all([closePostgres(), closeMongo()])
})

describe('signup', () => {
  it('creates a user account with a normalised email and a session', async () => {
    const user = newUser('sign')
    const { session } = await signUp(call, user, { displayName: '  Signe Upton ' })
    expect(session.user).toMatchObject({
      email: user.email.toLowerCase(),
      username: user.username,
      displayName: 'Signe Upton',
      role: 'user',
    })
    expect(session.expiresIn).toBe(900)
    expect(session.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(JSON.stringify(session)).not.toContain('password')
  })

  it('answers a new and a registered email with the same status and body, and mails each what applies', async () => {
    const first = newUser('same')
    const fresh = await call({ method: 'POST', path: '/auth/signup', body: first })
    const again = await call({
      method: 'POST',
      path: '/auth/signup',
      body: { ...newUser('same'), email: first.email.toUpperCase() },
    })
    expect(fresh.status).toBe(202)
    expect(again.status).toBe(fresh.status)
    expect(again.body).toEqual(fresh.body)
    const mails = await mailTo(first.email.toLowerCase())
    expect(mails.map((mail) => mail.subject)).toEqual([
      'Verify your address for Chat-Service',
      'Someone tried to sign up to Chat-Service with your address',
    ])
    expect(linkToken(mails[0]!, '/verify-email')).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(mails[1]?.text).not.toMatch(/#token=/)
    const sql = await postgresClient()
    const [{ count }] = (await sql`
      select count(*)::int as count from users where lower(email) = ${first.email.toLowerCase()}`) as [
      { count: number },
    ]
    expect(count).toBe(1)
  })

  it('refuses a username taken in another case, whether or not the email is registered', async () => {
    const first = await signUp(call, newUser('dup'))
    const withNewEmail = await call({
      method: 'POST',
      path: '/auth/signup',
      body: { ...newUser('dup'), username: first.username.toUpperCase() },
    })
    const withTakenEmail = await call({
      method: 'POST',
      path: '/auth/signup',
      body: { ...newUser('dup'), username: first.username.toUpperCase(), email: first.email },
    })
    expect(withNewEmail.status).toBe(409)
    expect(withNewEmail.body.detail).toMatch(/username/)
    expect(withTakenEmail.body).toEqual(withNewEmail.body)
  })

  it('marks a new account unverified until the mailed link is opened', async () => {
    const user = await signUp(call, newUser('unver'), {}, { verify: false })
    const me = await call<{ emailVerified: boolean }>({
      method: 'GET',
      path: '/users/me',
      token: user.session.accessToken,
    })
    expect(me.body.emailVerified).toBe(false)
    const verified = await signUp(call, newUser('ver'))
    expect(verified.session.user).toMatchObject({ emailVerified: true })
  })

  it('explains what is wrong with a weak password or a bad username', async () => {
    const weak = await call({
      method: 'POST',
      path: '/auth/signup',
      body: { ...newUser(), password: 'password1' },
    })
    expect(weak.status).toBe(400)
    expect(weak.body.errors).toEqual([{ path: 'password', message: expect.stringMatching(/too common/) }])
    const badName = await call({
      method: 'POST',
      path: '/auth/signup',
      body: { ...newUser(), username: '1x' },
    })
    expect(badName.status).toBe(400)
    expect(badName.body.errors?.[0]?.path).toBe('body.username')
  })

  it('is limited per address', async () => {
    const ip = freshIp()
    const statuses: number[] = []
    for (let i = 0; i < 11; i++) {
      const response = await call({
        method: 'POST',
        path: '/auth/signup',
        ip,
        body: { ...newUser(), password: 'x' },
      })
      statuses.push(response.status)
    }
    expect(statuses.slice(0, 10).every((status) => status === 400)).toBe(true)
    expect(statuses[10]).toBe(429)
  })
})

describe('login', () => {
  let known: Awaited<ReturnType<typeof signUp>>
  beforeAll(async () => {
    known = await signUp(call, newUser('login'))
  })

  it('accepts the email in any case or the username, and starts a new session', async () => {
    for (const login of [known.email.toUpperCase(), known.username]) {
      const response = await call<SessionBody>({
        method: 'POST',
        path: '/auth/login',
        body: { login, password: known.password },
      })
      expect(response.status).toBe(200)
      expect(response.body.user.id).toBe(known.session.user.id)
      expect(response.body.refreshToken).not.toBe(known.session.refreshToken)
    }
  })

  it('answers a wrong password and an unknown login with the same status and body', async () => {
    const wrong = await call({
      method: 'POST',
      path: '/auth/login',
      body: { login: known.username, password: 'not the password' },
    })
    const unknown = await call({
      method: 'POST',
      path: '/auth/login',
      body: { login: 'nobody_like_this', password: 'not the password' },
    })
    expect(wrong.status).toBe(401)
    expect(unknown.status).toBe(401)
    expect(unknown.body).toEqual(wrong.body)
    expect(unknown.headers['www-authenticate']).toBe(wrong.headers['www-authenticate'])
  })

  it('limits repeated failures for one login from one address, without locking out the owner elsewhere', async () => {
    const victim = await signUp(call, newUser('victim'))
    const attacker = freshIp()
    const statuses: number[] = []
    for (let i = 0; i < 6; i++) {
      const response = await call({
        method: 'POST',
        path: '/auth/login',
        ip: attacker,
        body: { login: victim.username, password: `guess ${i} guess` },
      })
      statuses.push(response.status)
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429])
    const limited = await call({
      method: 'POST',
      path: '/auth/login',
      ip: attacker,
      body: { login: victim.username, password: victim.password },
    })
    expect(limited.status).toBe(429)
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0)
    expect(limited.headers['ratelimit-limit']).toBe('5')
    // Elsewhere the owner waits out the account's back-off at most, a second after five failures.
    const ownerLogin = () =>
      call({
        method: 'POST',
        path: '/auth/login',
        body: { login: victim.username, password: victim.password },
      })
    let owner = await ownerLogin()
    if (owner.status === 429) {
      expect(owner.headers['retry-after']).toBe('1')
      await new Promise((resolve) => setTimeout(resolve, 1050))
      owner = await ownerLogin()
    }
    expect(owner.status).toBe(200)
  })

  it('limits attempts from one address across many logins', async () => {
    const ip = freshIp()
    let last = 0
    for (let i = 0; i < 31; i++) {
      last = (
        await call({
          method: 'POST',
          path: '/auth/login',
          ip,
          body: { login: `someone_${i}`, password: 'whatever it is' },
        })
      ).status
    }
    expect(last).toBe(429)
  })

  it('upgrades a hash made with weaker parameters on a successful login', async () => {
    const user = await signUp(call, newUser('rehash'))
    const sql = await postgresClient()
    const weak = await hash(user.password, { ...argon2Parameters, memoryCost: 8192, timeCost: 1 })
    await sql`update users set password_hash = ${weak} where id = ${user.session.user.id}`
    const response = await call({
      method: 'POST',
      path: '/auth/login',
      body: { login: user.username, password: user.password },
    })
    expect(response.status).toBe(200)
    const [row] = await sql<
      { passwordHash: string }[]
    >`select password_hash as "passwordHash" from users where id = ${user.session.user.id}`
    expect(row?.passwordHash).toContain(`m=${argon2Parameters.memoryCost},t=${argon2Parameters.timeCost}`)
  })
})

describe('refresh and logout', () => {
  it('rotates on every use; reusing a token revokes the family, so the newer one stops working too', async () => {
    const { session } = await signUp(call, newUser('rotate'))
    const first = await call<SessionBody>({
      method: 'POST',
      path: '/auth/refresh',
      body: { refreshToken: session.refreshToken },
    })
    expect(first.status).toBe(200)
    expect(first.body.refreshToken).not.toBe(session.refreshToken)
    const me = await call({ method: 'GET', path: '/users/me', token: first.body.accessToken })
    expect(me.status).toBe(200)

    const replay = await call({
      method: 'POST',
      path: '/auth/refresh',
      body: { refreshToken: session.refreshToken },
    })
    expect(replay.status).toBe(401)
    const newer = await call({
      method: 'POST',
      path: '/auth/refresh',
      body: { refreshToken: first.body.refreshToken },
    })
    expect(newer.status).toBe(401)
    const afterRevocation = await call({ method: 'GET', path: '/users/me', token: first.body.accessToken })
    expect(afterRevocation.status).toBe(401)
  })

  it('lets only one of two concurrent refreshes with the same token win', async () => {
    const { session } = await signUp(call, newUser('race'))
    const results = await Promise.all(
      [1, 2].map(() =>
        call({ method: 'POST', path: '/auth/refresh', body: { refreshToken: session.refreshToken } }),
      ),
    )
    expect(results.map((result) => result.status).sort()).toEqual([200, 401])
  })

  it('logout ends the session: its refresh and access tokens stop working, other sessions go on', async () => {
    const user = await signUp(call, newUser('logout'))
    const other = await call<SessionBody>({
      method: 'POST',
      path: '/auth/login',
      body: { login: user.username, password: user.password },
    })
    const out = await call({
      method: 'POST',
      path: '/auth/logout',
      body: { refreshToken: user.session.refreshToken },
    })
    expect(out.status).toBe(204)
    expect(
      (
        await call({
          method: 'POST',
          path: '/auth/refresh',
          body: { refreshToken: user.session.refreshToken },
        })
      ).status,
    ).toBe(401)
    expect((await call({ method: 'GET', path: '/users/me', token: user.session.accessToken })).status).toBe(
      401,
    )
    expect((await call({ method: 'GET', path: '/users/me', token: other.body.accessToken })).status).toBe(200)
  })

  it('answers logout of an unknown token the same as a known one', async () => {
    const out = await call({ method: 'POST', path: '/auth/logout', body: { refreshToken: 'A'.repeat(43) } })
    expect(out.status).toBe(204)
  })
})
