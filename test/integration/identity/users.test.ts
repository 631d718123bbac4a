import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closeMongo } from '../../../lib/stores/mongo.ts'
import { closePostgres, postgresClient } from '../../../lib/stores/postgres.ts'
import { type Call, identityApi, newUser, type SessionBody, signUp } from './api.ts'

interface Profile {
  id: string
  username: string
  displayName: string
}
interface Page {
  items: Profile[]
  nextCursor: string | null
}

let call: Call
let alice: Awaited<ReturnType<typeof signUp>>
let bob: Awaited<ReturnType<typeof signUp>>
// One run-unique stem keeps this file's search results apart from every other test's users.
const stem = `zq${Date.now().toString(36)}`

beforeAll(async () => {
  call = await identityApi()
  alice = await signUp(
    call,
    { ...newUser('alice'), username: `${stem}_alice` },
    { displayName: 'Alice Liddell' },
  )
  bob = await signUp(
    call,
    { ...newUser('bob'), username: `${stem}_bobby` },
    { displayName: `Robert ${stem}` },
  )
})
afterAll(async () => {
  await Promise.all([closePostgres(), closeMongo()])
})

describe('own profile', () => {
  it('shows the owner their account, email included', async () => {
    const me = await call<SessionBody['user']>({
      method: 'GET',
      path: '/users/me',
      token: alice.session.accessToken,
    })
    expect(me.status).toBe(200)
    expect(me.body).toMatchObject({
      id: alice.session.user.id,
      email: alice.email.toLowerCase(),
      role: 'user',
    })
  })

  it('edits the display name and username, refusing a username taken in another case', async () => {
    const user = await signUp(call, newUser('edit'))
    const edited = await call<Profile>({
      method: 'PATCH',
      path: '/users/me',
      token: user.session.accessToken,
      body: { displayName: 'New Name' },
    })
    expect(edited.status).toBe(200)
    expect(edited.body.displayName).toBe('New Name')
    const taken = await call({
      method: 'PATCH',
      path: '/users/me',
      token: user.session.accessToken,
      body: { username: alice.username.toUpperCase() },
    })
    expect(taken.status).toBe(409)
    const empty = await call({
      method: 'PATCH',
      path: '/users/me',
      token: user.session.accessToken,
      body: {},
    })
    expect(empty.status).toBe(400)
  })

  it('changes the password with the current one and ends every other session', async () => {
    const user = await signUp(call, newUser('pw'))
    const other = await call<SessionBody>({
      method: 'POST',
      path: '/auth/login',
      body: { login: user.username, password: user.password },
    })
    const wrong = await call({
      method: 'PUT',
      path: '/users/me/password',
      token: user.session.accessToken,
      body: { currentPassword: 'not it at all', newPassword: 'a brand new passphrase' },
    })
    expect(wrong.status).toBe(400)
    expect(wrong.body.errors?.[0]?.path).toBe('currentPassword')
    const changed = await call({
      method: 'PUT',
      path: '/users/me/password',
      token: user.session.accessToken,
      body: { currentPassword: user.password, newPassword: 'a brand new passphrase' },
    })
    expect(changed.status).toBe(204)
    expect((await call({ method: 'GET', path: '/users/me', token: user.session.accessToken })).status).toBe(
      200,
    )
    expect((await call({ method: 'GET', path: '/users/me', token: other.body.accessToken })).status).toBe(401)
    expect(
      (await call({ method: 'POST', path: '/auth/refresh', body: { refreshToken: other.body.refreshToken } }))
        .status,
    ).toBe(401)
    const oldLogin = await call({
      method: 'POST',
      path: '/auth/login',
      body: { login: user.username, password: user.password },
    })
    expect(oldLogin.status).toBe(401)
    const newLogin = await call({
      method: 'POST',
      path: '/auth/login',
      body: { login: user.username, password: 'a brand new passphrase' },
    })
    expect(newLogin.status).toBe(200)
  })

  it('deletes: the account is disabled, its personal data gone, its sessions ended', async () => {
    const user = await signUp(call, newUser('gone'), { displayName: 'Soon Gone' })
    expect(
      (await call({ method: 'DELETE', path: '/users/me', token: user.session.accessToken })).status,
    ).toBe(204)
    expect((await call({ method: 'GET', path: '/users/me', token: user.session.accessToken })).status).toBe(
      401,
    )
    expect(
      (
        await call({
          method: 'POST',
          path: '/auth/login',
          body: { login: user.email, password: user.password },
        })
      ).status,
    ).toBe(401)
    expect(
      (
        await call({
          method: 'GET',
          path: `/users/${user.session.user.id}`,
          token: alice.session.accessToken,
        })
      ).status,
    ).toBe(404)
    const sql = await postgresClient()
    const [row] =
      await sql`select email, username, display_name, status from users where id = ${user.session.user.id}`
    expect(JSON.stringify(row)).not.toContain(user.email.toLowerCase())
    expect(JSON.stringify(row)).not.toContain(user.username)
    expect(row).toMatchObject({ status: 'deleted', display_name: 'Deleted user' })
    // The freed username and email can be used again.
    await signUp(call, { ...newUser('again'), username: user.username, email: user.email })
  })
})

describe('public profiles and search', () => {
  it('shows a public profile without the email', async () => {
    const response = await call<Profile>({
      method: 'GET',
      path: `/users/${bob.session.user.id}`,
      token: alice.session.accessToken,
    })
    expect(response.status).toBe(200)
    expect(response.body).toEqual({
      id: bob.session.user.id,
      username: bob.username,
      displayName: `Robert ${stem}`,
    })
    expect(JSON.stringify(response.body)).not.toContain('@')
  })

  it('answers 404 for an unknown id and 400 for one that is not an id', async () => {
    const unknown = await call({
      method: 'GET',
      path: '/users/00000000-0000-4000-8000-000000000000',
      token: alice.session.accessToken,
    })
    expect(unknown.status).toBe(404)
    const malformed = await call({
      method: 'GET',
      path: '/users/not-a-uuid',
      token: alice.session.accessToken,
    })
    expect(malformed.status).toBe(400)
    expect(malformed.body.errors?.[0]?.path).toBe('path.id')
  })

  it('finds one user from another by a prefix of the username, with no email in the result', async () => {
    const response = await call<Page>({
      method: 'GET',
      path: `/users?q=${stem}_bo`,
      token: alice.session.accessToken,
    })
    expect(response.status).toBe(200)
    expect(response.body.items.map((item) => item.id)).toEqual([bob.session.user.id])
    expect(JSON.stringify(response.body)).not.toContain('@')
    expect(Object.keys(response.body.items[0] ?? {}).sort()).toEqual(['displayName', 'id', 'username'])
  })

  it('finds by display name and fuzzily, best match first, never the searcher', async () => {
    const byName = await call<Page>({
      method: 'GET',
      path: `/users?q=${encodeURIComponent(`robert ${stem}`)}`,
      token: alice.session.accessToken,
    })
    expect(byName.body.items[0]?.id).toBe(bob.session.user.id)
    const typo = await call<Page>({
      method: 'GET',
      path: `/users?q=${stem}_boby`,
      token: alice.session.accessToken,
    })
    expect(typo.body.items.map((item) => item.id)).toContain(bob.session.user.id)
    const self = await call<Page>({
      method: 'GET',
      path: `/users?q=${stem}_alice`,
      token: alice.session.accessToken,
    })
    expect(self.body.items.map((item) => item.id)).not.toContain(alice.session.user.id)
  })

  it('ranks the exact username first, prefixes next, and pages through every match exactly once', async () => {
    const base = `${stem}pg`
    const ids: string[] = []
    for (const suffix of ['', 'a', 'b', 'c', 'd']) {
      const user = await signUp(call, { ...newUser('page'), username: `${base}${suffix}` })
      ids.push(user.session.user.id)
    }
    const seen: string[] = []
    let cursor: string | null = null
    let first: Profile | undefined
    do {
      const query: string = `/users?q=${base}&limit=2${cursor ? `&cursor=${cursor}` : ''}`
      const page: { status: number; body: Page } = await call<Page>({
        method: 'GET',
        path: query,
        token: alice.session.accessToken,
      })
      expect(page.status).toBe(200)
      first ??= page.body.items[0]
      seen.push(...page.body.items.map((item) => item.id))
      cursor = page.body.nextCursor
    } while (cursor)
    expect(first?.username).toBe(base)
    expect(new Set(seen).size).toBe(seen.length)
    // Fuzzy matches of this file's other users may follow; the five prefix matches come first.
    expect(seen.slice(0, ids.length).sort()).toEqual([...ids].sort())
  })

  it('leaves out disabled users and users who blocked the searcher', async () => {
    const hidden = await signUp(call, { ...newUser('hid'), username: `${stem}_hidden` })
    const blocker = await signUp(call, { ...newUser('blk'), username: `${stem}_blocker` })
    const sql = await postgresClient()
    await sql`update users set status = 'disabled' where id = ${hidden.session.user.id}`
    await sql`insert into blocks (blocker_id, blocked_id) values (${blocker.session.user.id}, ${alice.session.user.id})`
    const found = await call<Page>({
      method: 'GET',
      path: `/users?q=${stem}_`,
      token: alice.session.accessToken,
    })
    const ids = found.body.items.map((item) => item.id)
    expect(ids).toContain(bob.session.user.id)
    expect(ids).not.toContain(hidden.session.user.id)
    expect(ids).not.toContain(blocker.session.user.id)
    const byBob = await call<Page>({
      method: 'GET',
      path: `/users?q=${stem}_`,
      token: bob.session.accessToken,
    })
    expect(byBob.body.items.map((item) => item.id)).toContain(blocker.session.user.id)
  })

  it('treats LIKE wildcards in the query as plain characters', async () => {
    const response = await call<Page>({
      method: 'GET',
      path: `/users?q=${encodeURIComponent('%')}`,
      token: alice.session.accessToken,
    })
    expect(response.status).toBe(200)
    expect(response.body.items).toEqual([])
  })

  it('refuses a forged cursor with 400', async () => {
    const response = await call({
      method: 'GET',
      path: `/users?q=${stem}&cursor=bm90LWEtY3Vyc29y`,
      token: alice.session.accessToken,
    })
    expect(response.status).toBe(400)
  })
})
