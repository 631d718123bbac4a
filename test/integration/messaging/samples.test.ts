// The sample events of messaging name real routes and, with their placeholders filled, run as a short chat.
import { readFile } from 'node:fs/promises'
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda'
import { beforeAll, describe, expect, it } from 'vitest'
import { createConversationsHandler } from '../../../functions/http/conversations.ts'
import { httpRoutes, webSocket } from '../../../infra/routes.ts'
import { directConversationId } from '../../../lib/conversations/direct.ts'
import { mongoStoreDeps } from '../../../lib/http/mongo-deps.ts'
import type { WsEvent } from '../../../lib/ws/handler.ts'
import { befriend, type Harness, harness, type Person, person } from './harness.ts'

const context = {} as Context
let h: Harness
let alice: Person
let bob: Person

beforeAll(async () => {
  h = harness()
  ;[alice, bob] = [await person(), await person()]
  await befriend(alice, bob)
})

/** A sample event, read afresh per use, with `${NAME}` placeholders filled as `npm run invoke` fills them. */
async function sample<T>(file: string): Promise<T> {
  const text = await readFile(new URL(`../../../events/${file}.json`, import.meta.url), 'utf8')
  const values: Record<string, string> = {
    ACCESS_TOKEN: alice.token,
    USER_ID: alice.id,
    FRIEND_ID: bob.id,
    CONVERSATION_ID: directConversationId(alice.id, bob.id),
  }
  return JSON.parse(text.replace(/\$\{([A-Z_]+)\}/g, (_, name: string) => values[name] ?? '')) as T
}

const httpSamples = ['create', 'list', 'send', 'history', 'read'].map((name) => `http/conversations-${name}`)
const wsSamples = ['ws/send-message', 'ws/typing', 'ws/mark-read']

describe('the messaging sample events', () => {
  it('name routes that exist in the route table', async () => {
    const httpKeys = new Set(httpRoutes.map((route) => `${route.method} ${route.path}`))
    for (const file of httpSamples)
      expect(httpKeys.has((await sample<APIGatewayProxyEventV2>(file)).routeKey)).toBe(true)
    const wsKeys = new Set<string>(webSocket.routes.map((route) => route.routeKey))
    for (const file of wsSamples)
      expect(wsKeys.has((await sample<WsEvent>(file)).requestContext.routeKey)).toBe(true)
  })

  it('open the conversation, send over both APIs, list, page, type and mark read, in that order', async () => {
    const http = createConversationsHandler({ ...mongoStoreDeps, ...h.deps })
    const status = async (file: string) => (await http(await sample(file), context)).statusCode
    const connectionId = (await sample<WsEvent>('ws/send-message')).requestContext.connectionId
    await h.device(bob)

    expect(await status('http/conversations-create')).toBe(201)
    await h.invoke(await sample<WsEvent>('ws/send-message'))
    expect(h.framesOf(connectionId)).toEqual([expect.objectContaining({ type: 'message.ack' })])
    expect(await status('http/conversations-send')).toBe(201)
    expect(await status('http/conversations-list')).toBe(200)
    expect(await status('http/conversations-history')).toBe(200)
    expect(await status('http/conversations-read')).toBe(200)
    for (const file of ['ws/typing', 'ws/mark-read']) await h.invoke(await sample<WsEvent>(file))
    expect(h.framesOf(connectionId).filter((frame) => frame.type === 'error')).toEqual([])
  })
})
