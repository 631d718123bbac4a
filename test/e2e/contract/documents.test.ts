// The API documents: current with the schemas, complete, and true of what the running service answers.
import { randomBytes, randomUUID } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generatedFiles } from '../../../infra/docs/index.ts'
import { openApiPath } from '../../../infra/docs/openapi.ts'
import { realRoutes, repositoryRoot } from '../../../infra/local/gateway/table.ts'
import { type LocalRuntime, startLocalRuntime } from '../../../infra/local/runtime.ts'
import { httpRoutes, webSocket } from '../../../infra/routes.ts'
import { clientActions, serverFrames } from '../../../lib/protocol/ws.ts'
import { postgresClient } from '../../../lib/stores/postgres.ts'
import { pngBytes, postFile } from '../../integration/uploads/api.ts'
import { lastMailTo, linkToken } from '../../mailbox.ts'
import { subscribedBrowser } from '../push/browser.ts'
import { connect, type Device, type Frame } from '../realtime/sockets.ts'
import { committed, documentValidator } from './validator.ts'

describe('the committed documents', () => {
  it('are what npm run docs generates from the schemas today', async () => {
    for (const [name, text] of Object.entries(generatedFiles()))
      expect(
        await readFile(join(repositoryRoot, 'docs', name), 'utf8'),
        `docs/${name} is stale: run npm run docs`,
      ).toBe(text)
  })

  it('describe every route of the route table and every WebSocket action and server frame', () => {
    const openapi = committed<{ paths: Record<string, Record<string, unknown>> }>('openapi.json')
    for (const route of httpRoutes)
      expect(openapi.paths[openApiPath(route.path)]?.[route.method.toLowerCase()], route.path).toBeDefined()
    const asyncapi = committed<{
      operations: Record<string, { action: string; messages: { $ref: string }[] }>
      components: { messages: Record<string, { name: string }> }
    }>('asyncapi.json')
    const named = (action: string) =>
      Object.values(asyncapi.operations)
        .filter((operation) => operation.action === action)
        .flatMap((operation) => operation.messages.map((message) => message.$ref.split('/').at(-1) as string))
        .map((key) => asyncapi.components.messages[key]?.name)
    const actions = webSocket.routes.map((route) => route.routeKey).filter((key) => !key.startsWith('$'))
    expect(named('receive').sort()).toEqual([...actions].sort())
    expect(Object.keys(clientActions).sort()).toEqual([...actions].sort())
    expect(named('send').sort()).toEqual(Object.keys(serverFrames).sort())
  })

  it('hold examples their own schemas accept', () => {
    const validator = documentValidator()
    const asyncapi = committed<{
      components: { messages: Record<string, { examples: { payload: { type?: string } }[] }> }
    }>('asyncapi.json')
    for (const message of Object.values(asyncapi.components.messages))
      for (const { payload } of message.examples)
        if (payload.type)
          expect(validator.frame(payload as { type: string }), JSON.stringify(payload)).toEqual([])
  })
})

let runtime: LocalRuntime
const devices: Device[] = []

beforeAll(async () => {
  runtime = await startLocalRuntime({
    routes: { ...realRoutes, schedules: [] },
    env: { ...process.env, STAGE: `contract-${randomBytes(4).toString('hex')}` },
    httpPort: 0,
    wsPort: 0,
  })
})
afterAll(async () => {
  await Promise.all(devices.map((device) => device.close()))
  await runtime?.stop()
})

interface Answer {
  status: number
  body: unknown
}

/** Every answer the flow got, by route key: what the documents must describe. */
const recorded: { routeKey: string; status: number; body: unknown }[] = []

/** Calls a route by its key with path parameters filled in, and records the answer. */
async function call(
  routeKey: string,
  options: { token?: string; params?: Record<string, string>; query?: string; body?: unknown } = {},
): Promise<Answer & { json: <T>() => T }> {
  const [method = '', template = ''] = routeKey.split(' ')
  const path = template.replace(/\{(\w+)\+?\}/g, (_, name: string) => {
    const value = options.params?.[name]
    if (value === undefined) throw new Error(`${routeKey} needs ${name}`)
    return name === 'key' ? value : encodeURIComponent(value)
  })
  const response = await fetch(`${runtime.httpUrl}${path}${options.query ? `?${options.query}` : ''}`, {
    method,
    headers: {
      ...(options.token && { authorization: `Bearer ${options.token}` }),
      ...(options.body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
  })
  const text = await response.text()
  const body: unknown = text ? JSON.parse(text) : undefined
  recorded.push({ routeKey, status: response.status, body })
  return { status: response.status, body, json: <T>() => body as T }
}

interface Session {
  user: { id: string; username: string }
  accessToken: string
  refreshToken: string
}

const password = () => `Pw-${randomBytes(12).toString('base64url')}`

async function signUp(tag: string): Promise<Session & { password: string }> {
  const secret = password()
  const name = `c${tag}${randomBytes(4).toString('hex')}`
  const email = `${name}@example.com`
  const answer = await call('POST /auth/signup', {
    body: { email, username: name, password: secret, displayName: `Contract ${tag}` },
  })
  expect(answer.status).toBe(202)
  const token = linkToken(await lastMailTo(email), '/verify-email')
  expect((await call('POST /auth/verify-email', { body: { token } })).status).toBe(204)
  const login = await call('POST /auth/login', { body: { login: name, password: secret } })
  expect(login.status).toBe(200)
  return { ...login.json<Session>(), password: secret }
}

/**
 * The account flows of one more person: a second verification mail, the sessions list, ending one session and
 * all others, and a password reset through its mailed link (which ends every session, so it comes last).
 */
async function accountFlows(): Promise<void> {
  const erin = await signUp('e')
  const email = `${erin.user.username}@example.com`
  expect((await call('POST /auth/verify-email/resend', { token: erin.accessToken })).status).toBe(202)
  const second = await call('POST /auth/login', {
    body: { login: erin.user.username, password: erin.password },
  })
  const third = await call('POST /auth/login', {
    body: { login: erin.user.username, password: erin.password },
  })
  expect([second.status, third.status]).toEqual([200, 200])
  const sessions = await call('GET /auth/sessions', { token: erin.accessToken })
  expect(sessions.status).toBe(200)
  const others = sessions
    .json<{ items: { id: string; current: boolean }[] }>()
    .items.filter((s) => !s.current)
  expect(others.length).toBeGreaterThanOrEqual(2)
  expect(
    (
      await call('DELETE /auth/sessions/{id}', {
        token: erin.accessToken,
        params: { id: (others[0] as { id: string }).id },
      })
    ).status,
  ).toBe(204)
  expect((await call('DELETE /auth/sessions', { token: erin.accessToken })).status).toBe(200)
  expect((await call('POST /auth/password-reset', { body: { email } })).status).toBe(202)
  const token = linkToken(await lastMailTo(email), '/reset-password')
  expect(
    (await call('POST /auth/password-reset/confirm', { body: { token, password: password() } })).status,
  ).toBe(204)
}

const ofType = (type: string) => (frame: Frame) => frame.type === type

describe('what the running service answers', () => {
  it('conforms to the documents, for every route and every frame the flow meets', async () => {
    expect((await call('GET /health')).status).toBe(200)
    await accountFlows()
    const [alice, bob, carol, dave] = [
      await signUp('a'),
      await signUp('b'),
      await signUp('c'),
      await signUp('d'),
    ]
    const as = (who: Session) => ({ token: who.accessToken })

    const login = await call('POST /auth/login', {
      body: { login: alice.user.username, password: alice.password },
    })
    expect(login.status).toBe(200)
    const refreshed = await call('POST /auth/refresh', {
      body: { refreshToken: login.json<Session>().refreshToken },
    })
    expect(refreshed.status).toBe(200)
    expect(
      (await call('POST /auth/logout', { body: { refreshToken: refreshed.json<Session>().refreshToken } }))
        .status,
    ).toBe(204)

    expect((await call('GET /users/me', as(alice))).status).toBe(200)
    expect((await call('PATCH /users/me', { ...as(alice), body: { displayName: 'Alice C.' } })).status).toBe(
      200,
    )
    expect((await call('GET /users/{id}', { ...as(alice), params: { id: bob.user.id } })).status).toBe(200)
    expect((await call('GET /users', { ...as(alice), query: `q=${bob.user.username}` })).status).toBe(200)

    const aliceSocket = await connect(runtime.wsUrl, alice.accessToken)
    devices.push(aliceSocket)
    expect(
      (await call('POST /friends/{userId}', { ...as(alice), params: { userId: bob.user.id } })).status,
    ).toBe(201)
    expect((await call('GET /friends/requests', { ...as(bob), query: 'direction=incoming' })).status).toBe(
      200,
    )
    expect(
      (await call('POST /friends/{userId}/accept', { ...as(bob), params: { userId: alice.user.id } })).status,
    ).toBe(200)
    await aliceSocket.next(ofType('friend.accepted'))
    expect(
      (await call('POST /friends/{userId}', { ...as(carol), params: { userId: alice.user.id } })).status,
    ).toBe(201)
    await aliceSocket.next(ofType('friend.request'))
    expect(
      (await call('POST /friends/{userId}/decline', { ...as(alice), params: { userId: carol.user.id } }))
        .status,
    ).toBe(204)
    expect(
      (await call('POST /friends/{userId}', { ...as(alice), params: { userId: dave.user.id } })).status,
    ).toBe(201)
    expect(
      (await call('POST /friends/{userId}', { ...as(dave), params: { userId: alice.user.id } })).status,
    ).toBe(200)
    expect((await call('GET /friends', as(alice))).status).toBe(200)

    const bobSocket = await connect(runtime.wsUrl, bob.accessToken)
    devices.push(bobSocket)
    await aliceSocket.next(ofType('presence'))
    expect(
      (await call('GET /presence', { ...as(alice), query: `userIds=${bob.user.id},${carol.user.id}` }))
        .status,
    ).toBe(200)

    const direct = await call('POST /conversations', {
      ...as(alice),
      body: { type: 'direct', userId: bob.user.id },
    })
    expect(direct.status).toBe(201)
    const conversationId = direct.json<{ id: string }>().id
    const group = await call('POST /conversations', {
      ...as(alice),
      body: { type: 'group', name: 'Contract', memberIds: [bob.user.id] },
    })
    expect(group.status).toBe(201)
    const groupId = group.json<{ id: string }>().id
    expect(
      (
        await call('POST /conversations/{id}/members', {
          ...as(alice),
          params: { id: groupId },
          body: { userIds: [dave.user.id] },
        })
      ).status,
    ).toBe(200)
    expect(
      (
        await call('DELETE /conversations/{id}/members/{userId}', {
          ...as(alice),
          params: { id: groupId, userId: dave.user.id },
        })
      ).status,
    ).toBe(204)

    const bytes = pngBytes(300)
    const presigned = await call('POST /uploads', {
      ...as(alice),
      body: { fileName: 'map.png', contentType: 'image/png', size: bytes.length },
    })
    expect(presigned.status).toBe(200)
    const upload = presigned.json<{
      key: string
      url: string
      fields: Record<string, string>
      expiresAt: string
    }>()
    expect((await postFile(upload, bytes, 'image/png')).status).toBe(204)
    expect((await call('GET /uploads/{key+}', { ...as(alice), params: { key: upload.key } })).status).toBe(
      200,
    )

    const sent = await call('POST /conversations/{id}/messages', {
      ...as(alice),
      params: { id: conversationId },
      body: { clientMsgId: randomUUID(), body: 'over HTTP', attachments: [{ key: upload.key }] },
    })
    expect(sent.status).toBe(201)
    await bobSocket.next(ofType('message.new'))
    aliceSocket.socket.send(
      JSON.stringify({ action: 'sendMessage', conversationId, clientMsgId: randomUUID(), body: 'over WS' }),
    )
    await aliceSocket.next(ofType('message.ack'))
    await bobSocket.next(ofType('message.new'))
    aliceSocket.socket.send(JSON.stringify({ action: 'typing', conversationId, state: 'start' }))
    await bobSocket.next(ofType('typing'))
    bobSocket.socket.send(JSON.stringify({ action: 'markRead', conversationId, seq: 2 }))
    await aliceSocket.next(ofType('read'))
    aliceSocket.socket.send(JSON.stringify({ action: 'ping' }))
    await aliceSocket.next(ofType('pong'))
    aliceSocket.socket.send(JSON.stringify({ action: 'sendMessage', conversationId, clientMsgId: 'bad id!' }))
    await aliceSocket.next(ofType('error'))

    // Bob catches up from the cursor of the first message.new, over HTTP and by resuming on his socket.
    const newMessages = bobSocket.seen.filter((frame) => frame.type === 'message.new')
    const cursor = newMessages[0]?.cursor as string
    const caughtUp = await call('GET /sync', {
      ...as(bob),
      query: `cursor=${encodeURIComponent(cursor)}&limit=10`,
    })
    expect(caughtUp.status).toBe(200)
    expect(caughtUp.json<{ events: { type: string }[] }>().events.map((event) => event.type)).toEqual([
      'message.new',
    ])
    bobSocket.socket.send(JSON.stringify({ action: 'resume', cursor }))
    await bobSocket.next(ofType('resumed'))

    const message = { ...as(alice), params: { id: conversationId, seq: '2' } }
    expect(
      (
        await call('PATCH /conversations/{id}/messages/{seq}', {
          ...message,
          body: { body: 'over WS, edited' },
        })
      ).status,
    ).toBe(200)
    expect((await call('GET /conversations/{id}/messages/{seq}/edits', message)).status).toBe(200)
    expect(
      (
        await call('POST /conversations/{id}/messages/{seq}/reactions', {
          ...message,
          body: { emoji: '👍', on: true },
        })
      ).status,
    ).toBe(200)
    expect(
      (
        await call('DELETE /conversations/{id}/messages/{seq}', {
          ...message,
          params: { id: conversationId, seq: '1' },
        })
      ).status,
    ).toBe(204)
    await bobSocket.next(ofType('message.deleted'))
    expect(
      (
        await call('PATCH /conversations/{id}', {
          ...as(alice),
          params: { id: groupId },
          body: { name: 'Contract, renamed' },
        })
      ).status,
    ).toBe(200)
    expect((await call('GET /conversations', as(bob))).status).toBe(200)
    expect(
      (await call('GET /conversations/{id}', { ...as(bob), params: { id: conversationId } })).status,
    ).toBe(200)
    expect(
      (
        await call('GET /conversations/{id}/messages', {
          ...as(bob),
          params: { id: conversationId },
          query: 'limit=1',
        })
      ).status,
    ).toBe(200)
    expect(
      (
        await call('POST /conversations/{id}/read', {
          ...as(bob),
          params: { id: conversationId },
          body: { seq: 2 },
        })
      ).status,
    ).toBe(200)
    expect((await call('GET /notifications', as(carol))).status).toBe(200)
    expect((await call('POST /notifications/read', { ...as(carol), body: { all: true } })).status).toBe(200)

    expect((await call('GET /push/key', as(bob))).status).toBe(200)
    const { subscription: browserSubscription } = await subscribedBrowser(
      process.env.PUSH_SERVICE_STAND_IN_URL as string,
    )
    const subscribed = await call('POST /push/subscriptions', { ...as(bob), body: browserSubscription })
    expect(subscribed.status).toBe(201)
    expect((await call('GET /push/settings', as(bob))).status).toBe(200)
    expect((await call('PUT /push/settings', { ...as(bob), body: { showPreview: true } })).status).toBe(200)
    expect(
      (
        await call('DELETE /push/subscriptions/{id}', {
          ...as(bob),
          params: { id: subscribed.json<{ id: string }>().id },
        })
      ).status,
    ).toBe(204)

    expect(
      (await call('POST /friends/{userId}/block', { ...as(alice), params: { userId: carol.user.id } }))
        .status,
    ).toBe(204)
    expect(
      (await call('DELETE /friends/{userId}/block', { ...as(alice), params: { userId: carol.user.id } }))
        .status,
    ).toBe(204)
    expect(
      (await call('DELETE /friends/{userId}', { ...as(alice), params: { userId: dave.user.id } })).status,
    ).toBe(204)

    const sql = await postgresClient()
    await sql`update users set role = 'admin' where id = ${dave.user.id}`
    const admin = await call('POST /auth/login', {
      body: { login: dave.user.username, password: dave.password },
    })
    expect((await call('GET /admin/users', as(admin.json<Session>()))).status).toBe(200)
    expect(
      (
        await call('PATCH /admin/users/{id}', {
          ...as(admin.json<Session>()),
          params: { id: carol.user.id },
          body: { status: 'disabled' },
        })
      ).status,
    ).toBe(200)
    expect(
      (
        await call('PUT /users/me/password', {
          ...as(bob),
          body: { currentPassword: bob.password, newPassword: password() },
        })
      ).status,
    ).toBe(204)
    expect((await call('DELETE /users/me', as(dave))).status).toBe(204)
    expect((await call('GET /users/me')).status).toBe(401)
    expect(
      (await call('POST /conversations', { ...as(alice), body: { type: 'direct', userId: 'nobody' } }))
        .status,
    ).toBe(400)

    const validator = documentValidator()
    const mismatches = recorded.flatMap(({ routeKey, status, body }) => {
      const [method = '', path = ''] = routeKey.split(' ')
      return validator
        .response(openApiPath(path), method, status, body)
        .map((problem) => `${routeKey} ${status}: ${problem}`)
    })
    expect(mismatches).toEqual([])
    const answered = new Set(
      recorded.filter((answer) => answer.status < 300).map((answer) => answer.routeKey),
    )
    // Sign-in with a provider needs the provider: test/e2e/oauth/sign-in.test.ts walks those three routes against
    // local stand-ins and holds every answer of the exchange to the same document.
    const providerRoutes = [
      'GET /auth/oauth/{provider}/start',
      'GET /auth/oauth/{provider}/callback',
      'POST /auth/oauth/exchange',
    ]
    expect(
      httpRoutes
        .map((route) => `${route.method} ${route.path}`)
        .filter((key) => !answered.has(key) && !providerRoutes.includes(key)),
    ).toEqual([])

    const frames = devices.flatMap((device) => device.seen)
    expect(
      frames.flatMap((frame) => validator.frame(frame).map((problem) => `${frame.type}: ${problem}`)),
    ).toEqual([])
    const met = new Set(frames.map((frame) => frame.type))
    const expected = [
      'friend.request',
      'friend.accepted',
      'presence',
      'message.new',
      'message.ack',
      'typing',
      'read',
      'resumed',
    ]
    expect([...expected, 'pong', 'error'].filter((type) => !met.has(type))).toEqual([])
  })
})
