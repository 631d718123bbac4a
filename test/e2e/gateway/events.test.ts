// The sample events under events/ have exactly the shape the gateway builds, and name routes the table has.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import * as build from '../../../infra/local/gateway/events.ts'
import { localIdentity, realRoutes, repositoryRoot } from '../../../infra/local/gateway/table.ts'

/** Maps whose keys vary from one request to the next; only their value types are compared. */
const maps = new Set([
  'headers',
  'multiValueHeaders',
  'queryStringParameters',
  'multiValueQueryStringParameters',
  'authorizer',
  'messageAttributes',
])

/** The keys and value types of a JSON value, recursively; arrays by their first element. */
function shapeOf(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.length > 0 ? [shapeOf(value[0])] : []
  if (typeof value !== 'object' || value === null) return typeof value
  const entries = Object.entries(value)
  if (maps.has(key))
    return { '*': [...new Set(entries.map(([, item]) => JSON.stringify(shapeOf(item))))].sort() }
  return Object.fromEntries(entries.map(([name, item]) => [name, shapeOf(item, name)]).sort())
}

const sample = async (path: string) =>
  JSON.parse(await readFile(join(repositoryRoot, 'events', path), 'utf8'))
const ids = localIdentity({})
const facts: build.RequestFacts = {
  method: 'GET',
  rawPath: '/',
  rawQueryString: 'token=abc',
  rawHeaders: ['Host', 'example.test', 'User-Agent', 'test'],
  sourceIp: '203.0.113.9',
  localPort: 3001,
  protocol: 'HTTP/1.1',
}
const connection: build.ConnectionFacts = {
  connectionId: build.gatewayId(),
  connectedAt: Date.now(),
  domainName: 'example.test',
  identity: { sourceIp: '203.0.113.9', userAgent: 'test' },
  authorizer: { userId: 'u', principalId: 'u', integrationLatency: 3 },
}
const message = {
  MessageId: 'm',
  ReceiptHandle: 'r',
  Body: '{}',
  MD5OfBody: '99914b932bd37a50b795c1cee8e5c1e2',
  Attributes: {
    ApproximateReceiveCount: '1',
    SentTimestamp: '1',
    SenderId: 's',
    ApproximateFirstReceiveTimestamp: '1',
  },
  MessageAttributes: { kind: { DataType: 'String', StringValue: 'x' } },
}

describe('sample events', () => {
  it.for([
    [
      'http/health.json',
      () => build.httpEvent({ ...facts, rawQueryString: '' }, { routeKey: 'GET /health' }, ids),
    ],
    ['ws/authorizer.json', () => build.wsAuthorizerEvent(facts, connection, ids)],
    ['ws/connect.json', () => build.wsConnectEvent(facts, connection, ids)],
    ['ws/ping.json', () => build.wsMessageEvent('ping', '{"action":"ping"}', connection, ids)],
    ['ws/disconnect.json', () => build.wsDisconnectEvent(1001, 'Going away', connection, ids)],
    ['sqs/notifications-batch.json', () => build.sqsEvent([message, message], 'arn:aws:sqs:us-east-1:1:q')],
    ['schedule/reap-idle.json', () => build.scheduledEvent('reapIdle', ids)],
  ] as const)('%s has the shape of the event the gateway builds', async ([path, built], { expect }) => {
    expect(shapeOf(await sample(path))).toEqual(shapeOf(built()))
  })

  it('name routes and functions of the real route table', async () => {
    const health = await sample('http/health.json')
    expect(realRoutes.httpRoutes.map((route) => `${route.method} ${route.path}`)).toContain(health.routeKey)
    const ping = await sample('ws/ping.json')
    expect(JSON.parse(ping.body).action).toBe(ping.requestContext.routeKey)
    expect(realRoutes.webSocket.routes.map((route) => route.routeKey)).toContain(ping.requestContext.routeKey)
    expect((await sample('sqs/notifications-batch.json')).Records.length).toBeGreaterThan(1)
  })
})
