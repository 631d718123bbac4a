// @connections on the WebSocket port, called with the unchanged AWS SDK v3 client: post, get, delete, and 410 Gone.

import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { WsEvent } from '../../../infra/local/gateway/events.ts'
import { type LocalRuntime, startLocalRuntime } from '../../../infra/local/runtime.ts'
import { ConnectionsApiError, wsManagementClient } from '../../../lib/stores/ws-management.ts'
import { announcedCalls } from '../../unit/sigv4-verifier.ts'
import { openClient } from './clients.ts'
import { nextRecord } from './fixtures/probe.ts'
import { fixtureEnv, fixtureRoutes } from './routes.ts'

let runtime: LocalRuntime
let tags = 0

/** A client of the management API that remembers the request paths it used. */
function managementClient(endpoint: string) {
  const paths: string[] = []
  const client = new ApiGatewayManagementApiClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  })
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { path?: string }
      if (request.path) paths.push(request.path)
      return next(args)
    },
    { step: 'finalizeRequest' },
  )
  return { client, paths }
}

async function connected() {
  tags += 1
  const client = await openClient(`${runtime.wsUrl}/?token=good&tag=${tags}`)
  const connect = await nextRecord<WsEvent>('connect', (e) => e.queryStringParameters?.tag === String(tags))
  return { client, connectionId: connect.requestContext.connectionId }
}

const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('the call succeeded')
    },
    (error: { name: string; $metadata?: { httpStatusCode?: number } }) => error,
  )

beforeAll(async () => {
  runtime = await startLocalRuntime({ routes: fixtureRoutes, env: fixtureEnv, httpPort: 0, wsPort: 0 })
})
afterAll(() => runtime?.stop())

describe('@connections through ApiGatewayManagementApiClient', () => {
  it('posts data to the connection as a text frame, at /@connections/{id}', async () => {
    const { client, connectionId } = await connected()
    const management = managementClient(runtime.managementEndpoint)
    await management.client.send(
      new PostToConnectionCommand({ ConnectionId: connectionId, Data: JSON.stringify({ type: 'hello' }) }),
    )
    expect(await client.nextFrame()).toBe('{"type":"hello"}')
    expect(management.paths).toEqual([`/@connections/${encodeURIComponent(connectionId)}`])
    client.socket.close()
  })

  it('accepts an endpoint with a stage path, as the stack hands it out', async () => {
    const { client, connectionId } = await connected()
    const management = managementClient(`${runtime.managementEndpoint}/local`)
    await management.client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: 'staged' }))
    expect(await client.nextFrame()).toBe('staged')
    expect(management.paths).toEqual([`/local/@connections/${encodeURIComponent(connectionId)}`])
    client.socket.close()
  })

  it('describes the connection: connectedAt, lastActiveAt, identity', async () => {
    const { client, connectionId } = await connected()
    client.socket.send(JSON.stringify({ action: 'echo' }))
    await client.nextFrame()
    const { client: management } = managementClient(runtime.managementEndpoint)
    const described = await management.send(new GetConnectionCommand({ ConnectionId: connectionId }))
    expect(described.ConnectedAt).toBeInstanceOf(Date)
    expect(described.LastActiveAt?.getTime()).toBeGreaterThanOrEqual(
      described.ConnectedAt?.getTime() ?? Infinity,
    )
    expect(described.Identity).toEqual({ SourceIp: '127.0.0.1', UserAgent: '' })
    client.socket.close()
  })

  it('closes the connection on DELETE, after which $disconnect runs and every call is GoneException (410)', async () => {
    const { client, connectionId } = await connected()
    const { client: management } = managementClient(runtime.managementEndpoint)
    await management.send(new DeleteConnectionCommand({ ConnectionId: connectionId }))
    expect((await client.closed).code).toBe(1000)
    const disconnect = await nextRecord<WsEvent>(
      'disconnect',
      (e) => e.requestContext.connectionId === connectionId,
    )
    expect(disconnect.requestContext).toMatchObject({ eventType: 'DISCONNECT', disconnectStatusCode: 1000 })
    const calls = [
      () => management.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: 'late' })),
      () => management.send(new GetConnectionCommand({ ConnectionId: connectionId })),
      () => management.send(new DeleteConnectionCommand({ ConnectionId: connectionId })),
    ]
    for (const call of calls) {
      const failure = await failureOf(call())
      expect(failure.name).toBe('GoneException')
      expect(failure.$metadata?.httpStatusCode).toBe(410)
    }
  })

  it('answers a connection id it never had with GoneException', async () => {
    const { client: management } = managementClient(runtime.managementEndpoint)
    const failure = await failureOf(
      management.send(new PostToConnectionCommand({ ConnectionId: 'bm90LWEtY29ubg=', Data: 'x' })),
    )
    expect(failure.name).toBe('GoneException')
  })

  it('refuses data over 128 KB with PayloadTooLargeException and keeps the connection', async () => {
    const { client, connectionId } = await connected()
    const { client: management } = managementClient(runtime.managementEndpoint)
    const failure = await failureOf(
      management.send(
        new PostToConnectionCommand({ ConnectionId: connectionId, Data: 'x'.repeat(128 * 1024 + 1) }),
      ),
    )
    expect(failure.name).toBe('PayloadTooLargeException')
    await management.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: 'still here' }))
    expect(await client.nextFrame()).toBe('still here')
    client.socket.close()
  })
})

describe('@connections from handlers in the gateway process', () => {
  /** What `work` sent over HTTP, and what it announced to the IAM recorder. */
  async function watched(work: () => Promise<void>) {
    const requests: unknown[] = []
    const onRequest = (message: unknown) => requests.push(message)
    subscribe('http.client.request.start', onRequest)
    try {
      return { requests, announced: await announcedCalls(work) }
    } finally {
      unsubscribe('http.client.request.start', onRequest)
    }
  }

  it('posts and closes by call, with no HTTP request, each call announced as the HTTP ones are', async () => {
    const { client, connectionId } = await connected()
    const management = wsManagementClient()
    const { requests, announced } = await watched(async () => {
      await management.post(connectionId, new TextEncoder().encode('{"type":"hello"}'))
      expect(await client.nextFrame()).toBe('{"type":"hello"}')
      await management.delete(connectionId)
      expect((await client.closed).code).toBe(1000)
    })
    expect(requests).toEqual([])
    expect(announced).toEqual([
      {
        client: 'ApiGatewayManagementApiClient',
        operation: 'PostToConnection',
        endpoint: runtime.managementEndpoint,
        connectionId,
      },
      {
        client: 'ApiGatewayManagementApiClient',
        operation: 'DeleteConnection',
        endpoint: runtime.managementEndpoint,
        connectionId,
      },
    ])
  })

  it('refuses as the HTTP endpoint does: GoneException (410), PayloadTooLargeException (413)', async () => {
    const { client, connectionId } = await connected()
    const management = wsManagementClient()
    const gone = await failureOf(management.post('bm90LWEtY29ubg=', new Uint8Array([120])))
    expect(gone).toBeInstanceOf(ConnectionsApiError)
    expect(gone).toMatchObject({ name: 'GoneException', status: 410 })
    const tooLarge = await failureOf(management.post(connectionId, new Uint8Array(128 * 1024 + 1)))
    expect(tooLarge).toMatchObject({ name: 'PayloadTooLargeException', status: 413 })
    await management.post(connectionId, new TextEncoder().encode('still here'))
    expect(await client.nextFrame()).toBe('still here')
    client.socket.close()
  })
})
