// An account made through the local gateway as a user makes one: signup, the mailed verification link, login.
import { randomBytes } from 'node:crypto'
import { expect } from 'vitest'
import { lastMailTo, linkToken } from '../mailbox.ts'

export interface NewAccount {
  email: string
  username: string
  password: string
}

export interface GatewaySession {
  user: { id: string; username: string; email: string; emailVerified: boolean }
  accessToken: string
  refreshToken: string
}

async function post(httpUrl: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${httpUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
}

export async function signUpVerified(httpUrl: string, account: NewAccount): Promise<GatewaySession> {
  const signup = await post(httpUrl, '/auth/signup', account)
  if (signup.status !== 202) throw new Error(`signup answered ${signup.status}: ${await signup.text()}`)
  const token = linkToken(await lastMailTo(account.email.toLowerCase()), '/verify-email')
  const verify = await post(httpUrl, '/auth/verify-email', { token })
  if (verify.status !== 204) throw new Error(`verification answered ${verify.status}: ${await verify.text()}`)
  const login = await post(httpUrl, '/auth/login', { login: account.username, password: account.password })
  if (login.status !== 200) throw new Error(`login answered ${login.status}: ${await login.text()}`)
  return (await login.json()) as GatewaySession
}

/**
 * Calls to a local runtime known only once it is up (`httpUrl` is read at each call), and accounts made on it with
 * one password: verified at signup, then logged in again as often as a test needs another session.
 */
export function gatewayAccounts(httpUrl: () => string, password: string) {
  async function request<T>(method: string, path: string, token?: string, body?: unknown) {
    const response = await fetch(`${httpUrl()}${path}`, {
      method,
      headers: {
        ...(token && { authorization: `Bearer ${token}` }),
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    })
    const text = await response.text()
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T }
  }

  async function signUp(name: string): Promise<GatewaySession> {
    const username = `${name}_${randomBytes(4).toString('hex')}`
    return signUpVerified(httpUrl(), { email: `${username}@example.com`, username, password })
  }

  async function logIn(username: string): Promise<GatewaySession> {
    const response = await request<GatewaySession>('POST', '/auth/login', undefined, {
      login: username,
      password,
    })
    expect(response.status).toBe(200)
    return response.body
  }

  return { request, signUp, logIn }
}
