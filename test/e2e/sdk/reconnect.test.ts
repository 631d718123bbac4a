// The SDK against the running service: a restart mid-conversation costs no message and duplicates none.
import { randomBytes } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { createChatClient } from '../../../client/sdk/index.ts'
import { realRoutes } from '../../../infra/local/gateway/table.ts'
import { type LocalRuntime, startLocalRuntime } from '../../../infra/local/runtime.ts'
import {
  friendsWithConversation,
  type Instrumented,
  instrumentedClient,
  signUpVerified,
  until,
} from './clients.ts'

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

const clients: Instrumented[] = []
afterAll(async () => {
  for (const { client } of clients) client.socket.disconnect()
  await runtime?.stop()
})

describe('the SDK across a server restart', () => {
  it('reconnects, resends each unacked message once, duplicates none, and resumes over the gap', async () => {
    runtime = await start()
    const [httpPort, wsPort] = [portOf(runtime.httpUrl), portOf(runtime.wsUrl)]
    const alice = instrumentedClient(runtime.httpUrl, runtime.wsUrl)
    const bob = instrumentedClient(runtime.httpUrl, runtime.wsUrl)
    clients.push(alice, bob)
    const { conversationId } = await friendsWithConversation(alice, bob, 'sdk')

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

    const perMessage = new Map<string, number>()
    for (const frame of alice.sent)
      if (frame.action === 'sendMessage')
        perMessage.set(frame.clientMsgId ?? '', (perMessage.get(frame.clientMsgId ?? '') ?? 0) + 1)
    expect([...perMessage.values()]).toEqual([1, 1, 1, 1, 1])

    bob.client.socket.connect()
    await until('bob caught up', () => bob.received.length === 5)
    expect(bob.received.map((message) => message.body)).toEqual(['one', 'two', 'three', 'four', 'five'])
    // The gap came from one resume, not from paging the conversation's history.
    expect(bob.sent.filter((frame) => frame.action === 'resume')).toHaveLength(1)
    expect(bob.fetched.some((url) => url.includes('/messages'))).toBe(false)

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
