// An account made through the local gateway as a user makes one: signup, the mailed verification link, login.
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
