// The first steps of the user flow over HTTP through the local gateway: sign up, find, request, accept.
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { realRoutes } from '../../infra/local/gateway/table.ts'
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.ts'
import { lastMailTo, linkToken } from '../mailbox.ts'

let runtime: LocalRuntime

beforeAll(async () => {
  runtime = await startLocalRuntime({
    routes: { ...realRoutes, queueConsumers: [], schedules: [] },
    env: { ...process.env, STAGE: `flow-${randomBytes(4).toString('hex')}` },
    httpPort: 0,
    wsPort: 0,
  })
})
afterAll(async () => {
  await runtime?.stop()
})

interface Session {
  user: { id: string; username: string; email: string }
  accessToken: string
}

async function request<T>(method: string, path: string, token?: string, body?: unknown) {
  const response = await fetch(`${runtime.httpUrl}${path}`, {
    method,
    headers: {
      ...(token && { authorization: `Bearer ${token}` }),
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  })
  const text = await response.text()
  return { status: response.status, text, body: (text ? JSON.parse(text) : undefined) as T }
}

describe('the user flow through the local gateway', () => {
  it('signs up two users, logs in, finds one by a username prefix without emails, then they become friends', async () => {
    const tag = randomBytes(4).toString('hex')
    const password = 'a sentence nobody else would pick'
    const signUp = (name: string) =>
      request<Session>('POST', '/auth/signup', undefined, {
        email: `${name}.${tag}@example.com`,
        username: `${name}_${tag}`,
        password,
      })
    const [adaSignup, graceSignup] = [await signUp('ada'), await signUp('grace')]
    expect([adaSignup.status, graceSignup.status]).toEqual([202, 202])
    // Each opens the link from the .eml file the local runtime wrote, then signs in.
    const verifyAndLogIn = async (name: string) => {
      const token = linkToken(await lastMailTo(`${name}.${tag}@example.com`), '/verify-email')
      expect((await request('POST', '/auth/verify-email', undefined, { token })).status).toBe(204)
      return request<Session>('POST', '/auth/login', undefined, { login: `${name}_${tag}`, password })
    }
    const [ada, grace] = [await verifyAndLogIn('ada'), await verifyAndLogIn('grace')]

    const login = ada
    expect(login.status).toBe(200)
    const me = await request<{ email: string }>('GET', '/users/me', login.body.accessToken)
    expect(me.body.email).toBe(`ada.${tag}@example.com`)

    const found = await request<{ items: { id: string }[] }>(
      'GET',
      `/users?q=grace_${tag.slice(0, 3)}`,
      login.body.accessToken,
    )
    expect(found.body.items.map((item) => item.id)).toContain(grace.body.user.id)
    expect(found.text).not.toContain('@')
    const profile = await request('GET', `/users/${grace.body.user.id}`, login.body.accessToken)
    expect(profile.status).toBe(200)
    expect(profile.text).not.toContain('@')

    const adaToken = login.body.accessToken
    const graceToken = grace.body.accessToken
    expect((await request('POST', `/friends/${grace.body.user.id}`, adaToken)).status).toBe(201)
    const incoming = await request<{ items: { user: { id: string } }[] }>(
      'GET',
      '/friends/requests?direction=incoming',
      graceToken,
    )
    expect(incoming.body.items.map((item) => item.user.id)).toEqual([ada.body.user.id])
    const outgoing = await request<{ items: { user: { id: string } }[] }>(
      'GET',
      '/friends/requests?direction=outgoing',
      adaToken,
    )
    expect(outgoing.body.items.map((item) => item.user.id)).toEqual([grace.body.user.id])
    expect((await request('POST', `/friends/${ada.body.user.id}/accept`, graceToken)).status).toBe(200)
    for (const [token, other] of [
      [adaToken, grace.body.user.id],
      [graceToken, ada.body.user.id],
    ] as const) {
      const friends = await request<{ items: { user: { id: string } }[] }>('GET', '/friends', token)
      expect(friends.body.items.map((item) => item.user.id)).toEqual([other])
    }
  })
})
