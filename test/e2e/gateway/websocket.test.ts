// The local WebSocket API, driven with the ws client: authorizer and $connect at the handshake, routing, limits, $disconnect.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { WsAuthorizerEvent, WsEvent } from '../../../infra/local/gateway/events.ts'
import { type LocalRuntime, startLocalRuntime } from '../../../infra/local/runtime.ts'
import { openClient, refusal } from './clients.ts'
import { nextRecord, recorded } from './fixtures/probe.ts'
import { fixtureEnv, fixtureRoutes } from './routes.ts'

/** The WebSocket API's stage is the service's STAGE, as the stack names it. */
const stage = process.env.STAGE ?? 'local'

let runtime: LocalRuntime
let tags = 0
/** A URL with a tag of its own, so each test finds the events of its own connection. */
const url = (query: string) => {
  tags += 1
  return { href: `${runtime.wsUrl}/?${query}&tag=${tags}`, tag: String(tags) }
}
const ofTag = (tag: string) => (event: WsEvent | WsAuthorizerEvent) =>
  event.queryStringParameters?.tag === tag
const connectionOf = async (tag: string) => (await nextRecord<WsEvent>('connect', ofTag(tag))).requestContext

beforeAll(async () => {
  runtime = await startLocalRuntime({
    routes: fixtureRoutes,
    env: fixtureEnv,
    httpPort: 0,
    wsPort: 0,
  })
})
afterAll(() => runtime?.stop())

describe('the handshake', () => {
  it('refuses a missing identity source with 401 without calling the authorizer', async () => {
    const before = recorded('authorizer').length
    expect(await refusal(`${runtime.wsUrl}/?other=1`)).toBe(401)
    expect(recorded('authorizer').length).toBe(before)
  })

  it('refuses a Deny policy with 403, an "Unauthorized" failure with 401, an oversize context with 500', async () => {
    expect(await refusal(url('token=bad').href)).toBe(403)
    expect(await refusal(url('token=unauthorized').href)).toBe(401)
    expect(await refusal(url('token=huge').href)).toBe(500)
    expect(
      recorded('connect').filter((event) => /token=(bad|unauthorized|huge)/.test(JSON.stringify(event))),
    ).toEqual([])
  })

  it('gives the authorizer a REQUEST event for $connect', async () => {
    const { href, tag } = url('token=good')
    const client = await openClient(href)
    const event = await nextRecord<WsAuthorizerEvent>('authorizer', ofTag(tag))
    expect(event).toMatchObject({
      type: 'REQUEST',
      methodArn: `arn:aws:execute-api:us-east-1:123456789012:localwsapi/${stage}/$connect`,
      queryStringParameters: { token: 'good', tag },
      multiValueQueryStringParameters: { token: ['good'], tag: [tag] },
      stageVariables: {},
      requestContext: { routeKey: '$connect', eventType: 'CONNECT', messageDirection: 'IN', stage },
    })
    expect(event.headers.Host).toBe(new URL(runtime.wsUrl).host)
    expect(event.headers['Sec-WebSocket-Version']).toBe('13')
    expect(event.multiValueHeaders['X-Forwarded-For']).toEqual(['127.0.0.1'])
    expect(event.requestContext.connectionId).toBe((await connectionOf(tag)).connectionId)
    client.socket.close()
  })

  it('puts the allowed context, principalId and latency into $connect and every later event', async () => {
    const { href, tag } = url('token=good')
    const client = await openClient(href)
    const connect = await connectionOf(tag)
    const expected = { userId: 'u-1', admin: false, n: 7, principalId: 'u-1' }
    expect(connect.authorizer).toMatchObject(expected)
    expect(connect.authorizer?.integrationLatency).toBeTypeOf('number')
    client.socket.send(JSON.stringify({ action: 'echo' }))
    expect(JSON.parse(await client.nextFrame()).authorizer).toMatchObject(expected)
    client.socket.close()
    const disconnect = await nextRecord<WsEvent>(
      'disconnect',
      (event) => event.requestContext.connectionId === connect.connectionId,
    )
    expect(disconnect.requestContext.authorizer).toMatchObject(expected)
  })

  it('refuses the handshake when $connect answers non-2xx, and runs no $disconnect for it', async () => {
    const { href, tag } = url('token=good&refuse')
    expect(await refusal(href)).toBe(403)
    const { connectionId } = await connectionOf(tag)
    expect(
      recorded<WsEvent>('disconnect').some((event) => event.requestContext.connectionId === connectionId),
    ).toBe(false)
  })

  it('echoes the subprotocol that $connect returns', async () => {
    const client = await openClient(url('token=good').href, ['chat.v1', 'chat.v0'])
    expect(client.socket.protocol).toBe('chat.v1')
    client.socket.close()
  })
})

describe('frames', () => {
  it('routes by action, sends unmatched or non-JSON frames to $default, and never sends route results', async () => {
    const { href, tag } = url('token=good')
    const client = await openClient(href)
    const { connectionId, connectedAt } = await connectionOf(tag)
    client.socket.send(JSON.stringify({ action: 'echo', n: 1 }))
    expect(JSON.parse(await client.nextFrame())).toMatchObject({
      routeKey: 'echo',
      body: '{"action":"echo","n":1}',
    })
    client.socket.send(JSON.stringify({ action: 'nothing-here' }))
    expect(JSON.parse(await client.nextFrame())).toMatchObject({ routeKey: '$default' })
    client.socket.send('not json')
    expect(JSON.parse(await client.nextFrame())).toMatchObject({ routeKey: '$default', body: 'not json' })
    const message = await nextRecord<WsEvent>(
      'message',
      (event) => event.requestContext.connectionId === connectionId && event.body === 'not json',
    )
    expect(message).toMatchObject({
      isBase64Encoded: false,
      requestContext: {
        eventType: 'MESSAGE',
        routeKey: '$default',
        connectedAt,
        stage,
        apiId: 'localwsapi',
        domainName: new URL(runtime.wsUrl).host,
        messageDirection: 'IN',
      },
    })
    expect(message.requestContext.messageId).toMatch(/^[\w-]{15}=$/)
    expect(message.requestContext.requestTimeEpoch).toBeGreaterThanOrEqual(connectedAt)
    client.socket.close()
  })

  it('sends a frame naming $connect, $disconnect or $default to $default, as API Gateway does', async () => {
    const { href, tag } = url('token=good')
    const client = await openClient(href)
    const { connectionId } = await connectionOf(tag)
    for (const action of ['$disconnect', '$connect', '$default']) {
      client.socket.send(JSON.stringify({ action }))
      expect(JSON.parse(await client.nextFrame())).toMatchObject({ routeKey: '$default' })
    }
    const ranDisconnect = recorded('disconnect').some(
      (event) => (event as WsEvent).requestContext.connectionId === connectionId,
    )
    expect(ranDisconnect).toBe(false)
    client.socket.send(JSON.stringify({ action: 'echo' }))
    expect(JSON.parse(await client.nextFrame())).toMatchObject({ routeKey: 'echo' })
    client.socket.close()
  })

  it('answers a failing route with an "Internal server error" frame and keeps the connection', async () => {
    const { href, tag } = url('token=good')
    const client = await openClient(href)
    const { connectionId } = await connectionOf(tag)
    client.socket.send(JSON.stringify({ action: 'boom' }))
    expect(JSON.parse(await client.nextFrame())).toMatchObject({
      message: 'Internal server error',
      connectionId,
    })
    client.socket.send(JSON.stringify({ action: 'echo' }))
    expect(JSON.parse(await client.nextFrame())).toMatchObject({ routeKey: 'echo' })
    client.socket.close()
  })

  it('takes a 128 KB message and closes the connection with 1009 on a larger one', async () => {
    const { href, tag } = url('token=good')
    const client = await openClient(href)
    const { connectionId } = await connectionOf(tag)
    const frameOf = (bytes: number) => {
      const empty = JSON.stringify({ action: 'echo', pad: '' })
      return JSON.stringify({ action: 'echo', pad: 'x'.repeat(bytes - empty.length) })
    }
    client.socket.send(frameOf(128 * 1024))
    expect(JSON.parse(await client.nextFrame())).toMatchObject({ routeKey: 'echo', body: '131072 bytes' })
    client.socket.send(frameOf(128 * 1024 + 1))
    expect((await client.closed).code).toBe(1009)
    const disconnect = await nextRecord<WsEvent>(
      'disconnect',
      (event) => event.requestContext.connectionId === connectionId,
    )
    expect(disconnect.requestContext).toMatchObject({ disconnectStatusCode: 1009, eventType: 'DISCONNECT' })
  })
})

describe('$disconnect', () => {
  it('runs when the client closes, with its close code and reason', async () => {
    const { href, tag } = url('token=good')
    const client = await openClient(href)
    const { connectionId } = await connectionOf(tag)
    client.socket.close(4000, 'bye now')
    const event = await nextRecord<WsEvent>(
      'disconnect',
      (e) => e.requestContext.connectionId === connectionId,
    )
    expect(event).toMatchObject({
      headers: { Host: new URL(runtime.wsUrl).host },
      requestContext: {
        routeKey: '$disconnect',
        eventType: 'DISCONNECT',
        disconnectStatusCode: 4000,
        disconnectReason: 'bye now',
      },
    })
  })
})
