// SDK clients for the end-to-end tests: instrumented to show what they sent, fetched and handed to the app.
import { randomBytes } from 'node:crypto'
import { expect } from 'vitest'
import WebSocket from 'ws'
import { syncedFrameTypes } from '../../../client/sdk/events.ts'
import { type ChatClient, createChatClient, type SocketLike } from '../../../client/sdk/index.ts'
import type { Message } from '../../../lib/protocol/messages.ts'
import type { ClientAction, SyncedFrame } from '../../../lib/protocol/ws.ts'
import { lastMailTo, linkToken } from '../../mailbox.ts'

/** Waits for a condition the clients reach by themselves, failing after a bound. */
export async function until(what: string, condition: () => boolean, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

export interface Instrumented {
  client: ChatClient
  /** Every frame the client's sockets sent, parsed (after `rewrite`). */
  sent: ClientAction[]
  /** Every URL the client fetched. */
  fetched: string[]
  /** What `messageReceived` gave the app. */
  received: Message[]
  /** Every frame that changes state the socket handed to the app, in the order it did. */
  synced: SyncedFrame[]
}

export interface InstrumentOptions {
  /** The sync cursor the socket starts from. */
  cursor?: string
  /** Changes a frame on its way out, as a test's stand-in for what a server may do (replay more than asked). */
  rewrite?: (frame: ClientAction) => ClientAction
}

export function instrumentedClient(
  httpUrl: string,
  wsUrl: string,
  options: InstrumentOptions = {},
): Instrumented {
  const sent: ClientAction[] = []
  const fetched: string[] = []
  const received: Message[] = []
  const synced: SyncedFrame[] = []
  const client = createChatClient({
    baseUrl: httpUrl,
    wsUrl,
    fetch: (input, init) => {
      fetched.push(String(input))
      return fetch(input, init)
    },
    socket: {
      backoff: { minMs: 50, maxMs: 400 },
      ...(options.cursor !== undefined && { cursor: options.cursor }),
      open: (url) => {
        const socket = new WebSocket(url)
        const send = socket.send.bind(socket)
        socket.send = ((data: string) => {
          const frame = (options.rewrite ?? ((same) => same))(JSON.parse(data) as ClientAction)
          sent.push(frame)
          send(JSON.stringify(frame))
        }) as typeof socket.send
        return socket as unknown as SocketLike
      },
    },
  })
  client.socket.on('messageReceived', (message) => received.push(message))
  const onSynced = client.socket.on.bind(client.socket) as (
    type: SyncedFrame['type'],
    handler: (frame: SyncedFrame) => void,
  ) => void
  for (const type of syncedFrameTypes) onSynced(type, (frame) => synced.push(frame))
  return { client, sent, fetched, received, synced }
}

/** As a user does: sign up, open the mailed verification link, log in. */
export async function signUpVerified(who: Instrumented, name: string, tag: string) {
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

/** Two verified users who are friends, and their direct conversation. */
export async function friendsWithConversation(alice: Instrumented, bob: Instrumented, prefix: string) {
  const tag = randomBytes(4).toString('hex')
  const a = await signUpVerified(alice, `${prefix}a`, tag)
  const b = await signUpVerified(bob, `${prefix}b`, tag)
  await alice.client.http.call('POST /friends/{userId}', { path: { userId: b.user.id } })
  await bob.client.http.call('POST /friends/{userId}/accept', { path: { userId: a.user.id } })
  const conversation = await alice.client.http.call('POST /conversations', {
    body: { type: 'direct', userId: b.user.id },
  })
  return { a, b, conversationId: (conversation as { id: string }).id }
}
