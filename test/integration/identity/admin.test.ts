import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closeMongo } from '../../../lib/stores/mongo.ts'
import { closePostgres } from '../../../lib/stores/postgres.ts'
import { type Call, identityApi, newUser, type SessionBody, signUp } from './api.ts'

interface Account {
  id: string
  email: string
  username: string
  role: string
  status: string
}

let call: Call
let admin: SessionBody

const createAdminCommand = (args: string[], password: string) =>
  promisify(execFile)('npx', ['tsx', 'infra/local/create-admin.ts', ...args], {
    env: { ...process.env, ADMIN_PASSWORD: password },
  })

beforeAll(async () => {
  call = await identityApi()
  const credentials = newUser('root')
  const { stdout } = await createAdminCommand(
    ['--email', credentials.email, '--username', credentials.username],
    credentials.password,
  )
  expect(stdout).toContain('admin ready')
  const login = await call<SessionBody>({
    method: 'POST',
    path: '/auth/login',
    body: { login: credentials.username, password: credentials.password },
  })
  expect(login.status).toBe(200)
  admin = login.body
}, 60_000)
afterAll(async () => {
  await Promise.all([closePostgres(), closeMongo()])
})

describe('the create-admin command', () => {
  it('made an account with the admin role', () => {
    expect(admin.user.role).toBe('admin')
  })

  it('promotes an existing account', async () => {
    const user = await signUp(call, newUser('promo'))
    await createAdminCommand(['--promote', user.username], '')
    const list = await call({ method: 'GET', path: '/admin/users', token: user.session.accessToken })
    expect(list.status).toBe(200)
  }, 30_000)
})

describe('administration', () => {
  it('lists accounts newest first, with emails, page by page', async () => {
    for (let i = 0; i < 3; i++) await signUp(call, newUser('listed'))
    const first = await call<{ items: Account[]; nextCursor: string | null }>({
      method: 'GET',
      path: '/admin/users?limit=2',
      token: admin.accessToken,
    })
    expect(first.status).toBe(200)
    expect(first.body.items).toHaveLength(2)
    expect(first.body.items[0]?.email).toContain('@')
    const second = await call<{ items: Account[] }>({
      method: 'GET',
      path: `/admin/users?limit=2&cursor=${first.body.nextCursor}`,
      token: admin.accessToken,
    })
    expect(second.body).toHaveProperty('items')
    const ids = [...first.body.items, ...second.body.items].map((account) => account.id)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('answers a forged cursor with a 400 naming the cursor, never a 500', async () => {
    const forged = (cursor: object) => Buffer.from(JSON.stringify(cursor)).toString('base64url')
    for (const cursor of [
      forged({ createdAt: '2026-02-30 00:00:00+00', id: '00000000-0000-4000-8000-000000000000' }),
      forged({ at: '99999999999999999', id: '00000000-0000-4000-8000-000000000000' }),
      'not-a-cursor',
    ]) {
      const response = await call({
        method: 'GET',
        path: `/admin/users?cursor=${cursor}`,
        token: admin.accessToken,
      })
      expect(response.status).toBe(400)
      expect(JSON.stringify(response.body)).toContain('query.cursor')
    }
  })

  it('changes a role, which takes effect on the user’s next request', async () => {
    const user = await signUp(call, newUser('role'))
    expect(
      (await call({ method: 'GET', path: '/admin/users', token: user.session.accessToken })).status,
    ).toBe(403)
    const changed = await call<Account>({
      method: 'PATCH',
      path: `/admin/users/${user.session.user.id}`,
      token: admin.accessToken,
      body: { role: 'admin' },
    })
    expect(changed.status).toBe(200)
    expect(changed.body.role).toBe('admin')
    expect(
      (await call({ method: 'GET', path: '/admin/users', token: user.session.accessToken })).status,
    ).toBe(200)
  })

  it('disables an account, ending its sessions, and enables it again', async () => {
    const user = await signUp(call, newUser('off'))
    const off = await call<Account>({
      method: 'PATCH',
      path: `/admin/users/${user.session.user.id}`,
      token: admin.accessToken,
      body: { status: 'disabled' },
    })
    expect(off.body.status).toBe('disabled')
    expect((await call({ method: 'GET', path: '/users/me', token: user.session.accessToken })).status).toBe(
      401,
    )
    expect(
      (
        await call({
          method: 'POST',
          path: '/auth/refresh',
          body: { refreshToken: user.session.refreshToken },
        })
      ).status,
    ).toBe(401)
    expect(
      (
        await call({
          method: 'POST',
          path: '/auth/login',
          body: { login: user.username, password: user.password },
        })
      ).status,
    ).toBe(401)
    await call({
      method: 'PATCH',
      path: `/admin/users/${user.session.user.id}`,
      token: admin.accessToken,
      body: { status: 'active' },
    })
    expect(
      (
        await call({
          method: 'POST',
          path: '/auth/login',
          body: { login: user.username, password: user.password },
        })
      ).status,
    ).toBe(200)
  })

  it('refuses to change the administrator’s own role or status', async () => {
    const self = await call({
      method: 'PATCH',
      path: `/admin/users/${admin.user.id}`,
      token: admin.accessToken,
      body: { role: 'user' },
    })
    expect(self.status).toBe(409)
  })

  it('answers 404 for an unknown account and 400 for an unknown role or empty change', async () => {
    const unknown = await call({
      method: 'PATCH',
      path: '/admin/users/00000000-0000-4000-8000-000000000000',
      token: admin.accessToken,
      body: { status: 'disabled' },
    })
    expect(unknown.status).toBe(404)
    const badRole = await call({
      method: 'PATCH',
      path: `/admin/users/${admin.user.id}`,
      token: admin.accessToken,
      body: { role: 'root' },
    })
    expect(badRole.status).toBe(400)
    const empty = await call({
      method: 'PATCH',
      path: `/admin/users/${admin.user.id}`,
      token: admin.accessToken,
      body: {},
    })
    expect(empty.status).toBe(400)
  })
})
