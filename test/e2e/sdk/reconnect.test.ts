// The SDK against the running service: a restart mid-conversation costs no message and duplicates none.
import { randomBytes } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { type ChatClient, createChatClient, type SocketLike } from '../../../client/sdk/index.ts'
import { realRoutes } from '../../../infra/local/gateway/table.ts'
import { type LocalRuntime, startLocalRuntime } from '../../../infra/local/runtime.ts'
import type { Message } from '../../../lib/protocol/messages.ts'
import { lastMailTo, linkToken } from '../../mailbox.ts'

const stage = `sdk-${randomBytes(4).toString('hex')}`
let runtime: LocalRuntime | undefined

const start = (httpPort = 0, wsPort = 0) =>
  startLocalRuntime({
    routes: { ...realRoutes, schedules: [] },
    env: { ...process.env, STAGE: stage },
    httpPort,
    wsPort,
  })

const portOf = (url: string) => Number(new URL(url).port)

/** Waits for a condition the clients reach by themselves, failing after a bound. */
async function until(what: string, condition: () => boolean, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

interface Instrumented {
  client: ChatClient
  /** Every frame the client's sockets sent, parsed. */
  sent: { action: string; clientMsgId?: string }[]
  /** Every URL the client fetched. */
  fetched: string[]
  received: Message[]
}

function instrumentedClient(httpUrl: string, wsUrl: string): Instrumented {
  const sent: Instrumented['sent'] = []
  const fetched: string[] = []
  const received: Message[] = []
  const client = createChatClient({
    baseUrl: httpUrl,
    wsUrl,
    fetch: (input, init) => {
      fetched.push(String(input))
      return fetch(input, init)
    },
    socket: {
      backoff: { minMs: 50, maxMs: 400 },
      open: (url) => {
        const socket = new WebSocket(url)
        const send = socket.send.bind(socket)
        socket.send = ((data: string) => {
          sent.push(JSON.parse(data))
          send(data)
        }) as typeof socket.send
        return socket as unknown as SocketLike
      },
    },
  })
  client.socket.on('messageReceived', (message) => received.push(message))
  return { client, sent, fetched, received }
}

/** As a user does: sign up, open the mailed verification link, log in. */
async function signUpVerified(who: Instrumented, name: string, tag: string) {
  const account = {
    email: `${name}${tag}@example.com`,
    username: `${name}${tag}`,
    password: `Pw-${tag}-${randomBytes(8).toString('hex')}`,
  }
  expect(await who.client.http.signup(account)).toEqual({ message: expect.any(String) })
  expect(who.client.http.currentSession).toBeUndefined()
  await who.client.http.verifyEmail(linkToken(await lastMailTo(account.email), '/verify-email'))
  const session = await who.client.http.login(account.username, account.password)
  expect(session.user.emailVerified).toBe(true)
  return session
}

const clients: Instrumented[] = []
afterAll(async () => {
  for (const { client } of clients) client.socket.disconnect()
  await runtime?.stop()
})

describe('the SDK across a server restart', () => {
  it('reconnects, resends each unacked message once, duplicates none, and fetches the gap', async () => {
    runtime = await start()
    const [httpPort, wsPort] = [portOf(runtime.httpUrl), portOf(runtime.wsUrl)]
    const alice = instrumentedClient(runtime.httpUrl, runtime.wsUrl)
    const bob = instrumentedClient(runtime.httpUrl, runtime.wsUrl)
    clients.push(alice, bob)
    const tag = randomBytes(4).toString('hex')
    const [a, b] = [await signUpVerified(alice, 'sdka', tag), await signUpVerified(bob, 'sdkb', tag)]
    await alice.client.http.call('POST /friends/{userId}', { path: { userId: b.user.id } })
    await bob.client.http.call('POST /friends/{userId}/accept', { path: { userId: a.user.id } })
    const conversation = await alice.client.http.call('POST /conversations', {
      body: { type: 'direct', userId: b.user.id },
    })
    const conversationId = (conversation as { id: string }).id

    alice.client.socket.connect()
    bob.client.socket.connect()
    await until('both connected', () => alice.client.socket.connected && bob.client.socket.connected)
    for (const body of ['one', 'two']) await alice.client.socket.sendMessage({ conversationId, body })
    await until('bob has the first two', () => bob.received.length === 2)

    // Bob goes away; then the server restarts while Alice writes three more.
    bob.client.socket.disconnect()
    await until('bob disconnected', () => !bob.client.socket.connected)
    await runtime.stop()
    await until('alice sees the server gone', () => !alice.client.socket.connected)
    const queued = ['three', 'four', 'five'].map((body) =>
      alice.client.socket.sendMessage({ conversationId, body }),
    )
    expect(alice.client.socket.unacked).toHaveLength(3)
    runtime = await start(httpPort, wsPort)
    const acked = await Promise.all(queued)
    expect(acked.map((message) => message.seq)).toEqual([3, 4, 5])
    expect(alice.client.socket.unacked).toEqual([])

    const resent = alice.sent.filter((frame) => frame.action === 'sendMessage')
    const perMessage = new Map<string, number>()
    for (const frame of resent)
      perMessage.set(frame.clientMsgId ?? '', (perMessage.get(frame.clientMsgId ?? '') ?? 0) + 1)
    expect([...perMessage.values()]).toEqual([1, 1, 1, 1, 1])

    bob.client.socket.connect()
    await until('bob caught up', () => bob.received.length === 5)
    expect(bob.received.map((message) => message.body)).toEqual(['one', 'two', 'three', 'four', 'five'])
    expect(bob.fetched.some((url) => url.includes(`/conversations/${conversationId}/messages?after=2`))).toBe(
      true,
    )

    const history = await bob.client.http.call('GET /conversations/{id}/messages', {
      path: { id: conversationId },
      query: { limit: 50 },
    })
    const ids = history.items.map((message) => message.clientMsgId)
    expect(history.items.map((message) => message.seq)).toEqual([1, 2, 3, 4, 5])
    expect(new Set(ids).size).toBe(5)
  })

  it('renews a refused access token once with the refresh token, and repeats the call', async () => {
    const live = runtime as LocalRuntime
    const who = instrumentedClient(live.httpUrl, live.wsUrl)
    const tag = randomBytes(4).toString('hex')
    const session = await signUpVerified(who, 'sdkr', tag)
    const sessions: unknown[] = []
    const stale = createChatClient({
      baseUrl: live.httpUrl,
      wsUrl: live.wsUrl,
      session: { ...session, accessToken: `${session.accessToken.slice(0, -4)}AAAA` },
      onSession: (next) => sessions.push(next),
    })
    const me = await stale.http.call('GET /users/me')
    expect(me?.id).toBe(session.user.id)
    expect(sessions).toHaveLength(1)
    expect(stale.http.currentSession?.refreshToken).not.toBe(session.refreshToken)
  })
})
