// Revoked sessions through the local gateway with real sockets: logout, password change, disable and delete close them.
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { realRoutes } from '../../../infra/local/gateway/table.ts'
import { type LocalRuntime, startLocalRuntime } from '../../../infra/local/runtime.ts'
import { markSessionsEnded } from '../../../lib/connections/ended-sessions.ts'
import { postgresClient } from '../../../lib/stores/postgres.ts'
import { redisClient } from '../../../lib/stores/redis.ts'
import { gatewayAccounts } from '../accounts.ts'
import { connect, type Device, type Frame } from './sockets.ts'

let runtime: LocalRuntime
const open: Device[] = []

beforeAll(async () => {
  runtime = await startLocalRuntime({
    routes: { ...realRoutes, queueConsumers: [], schedules: [] },
    env: { ...process.env, STAGE: `revocation-${randomBytes(4).toString('hex')}` },
    httpPort: 0,
    wsPort: 0,
  })
})
afterAll(async () => {
  await Promise.all(open.map((device) => device.close()))
  await runtime?.stop()
})

interface Session {
  user: { id: string; username: string }
  accessToken: string
  refreshToken: string
}

const password = 'a sentence nobody else would pick'
const { request, signUp, logIn } = gatewayAccounts(() => runtime.httpUrl, password)

async function befriend(a: Session, b: Session) {
  expect((await request('POST', `/friends/${b.user.id}`, a.accessToken)).status).toBeLessThan(300)
  expect((await request('POST', `/friends/${a.user.id}/accept`, b.accessToken)).status).toBeLessThan(300)
}

async function device(session: Session) {
  const opened = await connect(runtime.wsUrl, session.accessToken)
  open.push(opened)
  return opened
}

/**
 * The socket's close, which only the revocation brings here: no idle or duration limit ends a socket within a test.
 * No clock on it (the 2 s acceptance bound is a latency, and a busy machine stretches latencies); a socket that
 * stays open fails the test at its timeout.
 */
const closedByRevocation = (socket: Device) => socket.closed

let messages = 0
/** `from` sends `to` a message over its socket; answers once the sender has its ack. */
async function send(from: Device, toUserId: string): Promise<string> {
  const clientMsgId = `m${messages++}`
  from.socket.send(JSON.stringify({ action: 'sendMessage', toUserId, clientMsgId, body: clientMsgId }))
  await from.next((frame) => frame.type === 'message.ack' && frame.clientMsgId === clientMsgId)
  return clientMsgId
}

const isMessage = (clientMsgId: string) => (frame: Frame) =>
  frame.type === 'message.new' && (frame.message as { clientMsgId?: string }).clientMsgId === clientMsgId

async function stillServed(socket: Device) {
  socket.socket.send('{"action":"ping"}')
  expect(await socket.next((frame) => frame.type === 'pong')).toEqual({ type: 'pong' })
}

describe('a revoked session loses its sockets at once', () => {
  it('logout closes that session’s socket, no frame reaches it after, and the other session keeps its own', async () => {
    const [ada, bob] = [await signUp('ada'), await signUp('bob')]
    await befriend(ada, bob)
    const other = await logIn(ada.user.username)
    const [loggedOut, kept, bobs] = [await device(ada), await device(other), await device(bob)]
    const before = await send(bobs, ada.user.id)
    await loggedOut.next(isMessage(before))

    expect(
      (await request('POST', '/auth/logout', undefined, { refreshToken: ada.refreshToken })).status,
    ).toBe(204)

    expect((await closedByRevocation(loggedOut)).code).toBe(1000)
    const after = await send(bobs, ada.user.id)
    await kept.next(isMessage(after))
    expect(loggedOut.pending().filter((frame) => frame.type === 'message.new')).toEqual([])
    await stillServed(kept)
  })

  it('a password change closes the account’s other sessions’ sockets, and keeps the changing one', async () => {
    const ada = await signUp('ada')
    const elsewhere = await logIn(ada.user.username)
    const [changing, other] = [await device(ada), await device(elsewhere)]

    const changed = await request('PUT', '/users/me/password', ada.accessToken, {
      currentPassword: password,
      newPassword: 'another sentence nobody would pick',
    })
    expect(changed.status).toBe(204)

    expect((await closedByRevocation(other)).code).toBe(1000)
    await stillServed(changing)
  })

  it('an administrator’s disable closes every socket of the account, and its friends’ messages reach none', async () => {
    const [admin, ada, bob] = [await signUp('admin'), await signUp('ada'), await signUp('bob')]
    await (await postgresClient())`update users set role = 'admin' where id = ${admin.user.id}`
    await befriend(ada, bob)
    const second = await logIn(ada.user.username)
    const [phone, laptop, bobs] = [await device(ada), await device(second), await device(bob)]

    const disabled = await request('PATCH', `/admin/users/${ada.user.id}`, admin.accessToken, {
      status: 'disabled',
    })
    expect(disabled.status).toBe(200)

    await Promise.all([closedByRevocation(phone), closedByRevocation(laptop)])
    bobs.socket.send(
      JSON.stringify({ action: 'sendMessage', toUserId: ada.user.id, clientMsgId: 'late', body: 'x' }),
    )
    expect(await bobs.next((frame) => frame.type === 'error')).toMatchObject({ code: 'forbidden' })
    for (const socket of [phone, laptop])
      expect(socket.pending().filter((frame) => frame.type === 'message.new')).toEqual([])
  })

  it('a reused refresh token ends its session and closes the session’s socket', async () => {
    const ada = await signUp('ada')
    const socket = await device(ada)
    const rotated = await request('POST', '/auth/refresh', undefined, { refreshToken: ada.refreshToken })
    expect(rotated.status).toBe(200)
    const replayed = await request('POST', '/auth/refresh', undefined, { refreshToken: ada.refreshToken })
    expect(replayed.status).toBe(401)
    expect((await closedByRevocation(socket)).code).toBe(1000)
  })

  it('deleting the account closes its sockets', async () => {
    const ada = await signUp('ada')
    const second = await logIn(ada.user.username)
    const [phone, laptop] = [await device(ada), await device(second)]
    expect((await request('DELETE', '/users/me', ada.accessToken)).status).toBe(204)
    await Promise.all([closedByRevocation(phone), closedByRevocation(laptop)])
  })

  it('a frame sent after the session ended but before its socket closed is refused, and the socket closed', async () => {
    const ada = await signUp('ada')
    const socket = await device(ada)
    await stillServed(socket)
    // The first half of a revocation: what a frame racing the close meets.
    await markSessionsEnded(await redisClient(), [
      JSON.parse(Buffer.from(ada.accessToken.split('.')[1] ?? '', 'base64url').toString()).sid,
    ])
    socket.socket.send(
      JSON.stringify({ action: 'sendMessage', toUserId: ada.user.id, clientMsgId: 'x', body: 'x' }),
    )
    expect(await socket.next()).toMatchObject({ type: 'error', code: 'unauthorized', action: 'sendMessage' })
    expect((await closedByRevocation(socket)).code).toBe(1000)
  })
})
