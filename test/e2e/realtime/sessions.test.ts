// Account recovery and the sessions list through the local gateway with real sockets: each closes what it ends.
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { realRoutes } from '../../../infra/local/gateway/table.ts'
import { type LocalRuntime, startLocalRuntime } from '../../../infra/local/runtime.ts'
import { lastMailTo, linkToken } from '../../mailbox.ts'
import { gatewayAccounts, type GatewaySession as Session } from '../accounts.ts'
import { connect, type Device } from './sockets.ts'

let runtime: LocalRuntime
const open: Device[] = []

beforeAll(async () => {
  runtime = await startLocalRuntime({
    routes: { ...realRoutes, queueConsumers: [], schedules: [] },
    env: { ...process.env, STAGE: `sessions-${randomBytes(4).toString('hex')}` },
    httpPort: 0,
    wsPort: 0,
  })
})
afterAll(async () => {
  await Promise.all(open.map((device) => device.close()))
  await runtime?.stop()
})

const password = 'a sentence nobody else would pick'
const { request, signUp, logIn } = gatewayAccounts(() => runtime.httpUrl, password)

async function device(session: Session) {
  const opened = await connect(runtime.wsUrl, session.accessToken)
  open.push(opened)
  return opened
}

/** The acceptance bound: a revoked session's socket is closed within 2 s of the revocation's answer. */
const closedWithin2s = (socket: Device) =>
  Promise.race([
    socket.closed,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('still open after 2 s')), 2000)),
  ])

async function stillServed(socket: Device) {
  socket.socket.send('{"action":"ping"}')
  expect(await socket.next((frame) => frame.type === 'pong')).toEqual({ type: 'pong' })
}

describe('recovery and the sessions list end sockets too', () => {
  it('a password reset through the mailed link closes every socket of the account', async () => {
    const ada = await signUp('ada')
    const second = await logIn(ada.user.username)
    const [phone, laptop] = [await device(ada), await device(second)]
    const asked = await request('POST', '/auth/password-reset', undefined, { email: ada.user.email })
    expect(asked.status).toBe(202)
    const token = linkToken(await lastMailTo(ada.user.email), '/reset-password')
    const reset = await request('POST', '/auth/password-reset/confirm', undefined, {
      token,
      password: 'a reset sentence nobody would pick',
    })
    expect(reset.status).toBe(204)
    await Promise.all([closedWithin2s(phone), closedWithin2s(laptop)])
  })

  it('ending a session from the sessions list closes its socket, and ending the others closes theirs', async () => {
    const ada = await signUp('ada')
    const [second, third] = [await logIn(ada.user.username), await logIn(ada.user.username)]
    const [own, secondSocket, thirdSocket] = [await device(ada), await device(second), await device(third)]
    const listed = await request<{ items: { id: string; current: boolean }[] }>(
      'GET',
      '/auth/sessions',
      ada.accessToken,
    )
    expect(listed.body.items).toHaveLength(3)
    const sessionOf = (session: Session) =>
      JSON.parse(Buffer.from(session.accessToken.split('.')[1] ?? '', 'base64url').toString()).sid as string
    expect((await request('DELETE', `/auth/sessions/${sessionOf(second)}`, ada.accessToken)).status).toBe(204)
    expect((await closedWithin2s(secondSocket)).code).toBe(1000)
    await stillServed(thirdSocket)
    const others = await request<{ ended: number }>('DELETE', '/auth/sessions', ada.accessToken)
    expect(others.body).toEqual({ ended: 1 })
    expect((await closedWithin2s(thirdSocket)).code).toBe(1000)
    await stillServed(own)
  })
})
