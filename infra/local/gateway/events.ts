// The one place that builds the events API Gateway, SQS and EventBridge hand to Lambda, shaped as AWS sends them.
import { randomBytes, randomUUID } from 'node:crypto'
import type { Message } from '@aws-sdk/client-sqs'
import type { APIGatewayProxyEventV2, ScheduledEvent, SQSEvent, SQSRecord } from 'aws-lambda'
import type { LocalIdentity } from './table.ts'

/** What the gateway saw of an HTTP request or a WebSocket handshake. */
export interface RequestFacts {
  method: string
  rawPath: string
  rawQueryString: string
  /** Node's `rawHeaders`: names as sent, alternating with values. */
  rawHeaders: string[]
  sourceIp: string
  localPort: number
  protocol: string
  body?: Buffer
}

/** What a Lambda authorizer may hand on: flat string, number and boolean values. */
export type AuthorizerContext = Record<string, string | number | boolean>

type Identity = { sourceIp: string; userAgent?: string }

export interface ConnectionFacts {
  connectionId: string
  connectedAt: number
  domainName: string
  identity: Identity
  /** The authorizer's context plus principalId and integrationLatency, as later events carry it. */
  authorizer?: AuthorizerContext
}

type WsEventType = 'CONNECT' | 'MESSAGE' | 'DISCONNECT'

export interface WsRequestContext {
  routeKey: string
  messageId?: string
  disconnectStatusCode?: number
  eventType: WsEventType
  extendedRequestId: string
  requestTime: string
  messageDirection: 'IN'
  disconnectReason?: string
  stage: string
  connectedAt: number
  requestTimeEpoch: number
  identity: Identity
  requestId: string
  domainName: string
  connectionId: string
  apiId: string
  authorizer?: AuthorizerContext
}

export interface WsEvent {
  headers?: Record<string, string>
  multiValueHeaders?: Record<string, string[]>
  queryStringParameters?: Record<string, string>
  multiValueQueryStringParameters?: Record<string, string[]>
  requestContext: WsRequestContext
  body?: string
  isBase64Encoded: boolean
}

export interface WsAuthorizerEvent {
  type: 'REQUEST'
  methodArn: string
  headers: Record<string, string>
  multiValueHeaders: Record<string, string[]>
  queryStringParameters: Record<string, string>
  multiValueQueryStringParameters: Record<string, string[]>
  stageVariables: Record<string, string>
  requestContext: WsRequestContext
}

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const two = (n: number) => String(n).padStart(2, '0')

/** API Gateway's request time: `24/Nov/2026:21:36:51 +0000`. */
function gatewayTime(date: Date): string {
  const day = `${two(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}`
  return `${day}:${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`
}

/** Request, message and connection ids look like `LV7fzho-PHcEJPw=`. */
export function gatewayId(): string {
  return `${randomBytes(11).toString('base64url')}=`
}

function traceId(date: Date): string {
  return `Root=1-${Math.floor(date.getTime() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`
}

function pairs(rawHeaders: string[]): [string, string][] {
  const result: [string, string][] = []
  for (let i = 0; i + 1 < rawHeaders.length; i += 2)
    result.push([rawHeaders[i] ?? '', rawHeaders[i + 1] ?? ''])
  return result
}

function queryOf(rawQueryString: string): Map<string, string[]> {
  const query = new Map<string, string[]>()
  for (const [name, value] of new URLSearchParams(rawQueryString))
    query.set(name, [...(query.get(name) ?? []), value])
  return query
}

const forwarded = (facts: RequestFacts, sent: string | undefined) =>
  sent ? `${sent}, ${facts.sourceIp}` : facts.sourceIp

/** Bodies of these types reach Lambda as text; anything else (forms included) arrives base64-encoded. */
function isTextContent(contentType: string | undefined): boolean {
  const type = contentType?.split(';')[0]?.trim().toLowerCase() ?? ''
  return /^text\/|^application\/(json|xml|javascript)$|\+(json|xml)$/.test(type)
}

export function httpEvent(
  facts: RequestFacts,
  route: { routeKey: string; pathParameters?: Record<string, string> },
  ids: LocalIdentity,
  now = new Date(),
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {}
  const cookies: string[] = []
  for (const [rawName, value] of pairs(facts.rawHeaders)) {
    const name = rawName.toLowerCase()
    if (name === 'cookie')
      cookies.push(
        ...value
          .split(';')
          .map((c) => c.trim())
          .filter(Boolean),
      )
    else headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`
  }
  headers['x-forwarded-for'] = forwarded(facts, headers['x-forwarded-for'])
  headers['x-forwarded-port'] = String(facts.localPort)
  headers['x-forwarded-proto'] = 'http'
  headers['x-amzn-trace-id'] ??= traceId(now)
  const domainName = headers.host ?? `127.0.0.1:${facts.localPort}`
  const query = queryOf(facts.rawQueryString)
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath: facts.rawPath,
    rawQueryString: facts.rawQueryString,
    headers,
    requestContext: {
      accountId: ids.accountId,
      apiId: ids.httpApiId,
      domainName,
      domainPrefix: domainName.split(/[.:]/)[0] ?? domainName,
      http: {
        method: facts.method,
        path: facts.rawPath,
        protocol: facts.protocol,
        sourceIp: facts.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: gatewayId(),
      routeKey: route.routeKey,
      stage: '$default',
      time: gatewayTime(now),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: false,
  }
  if (cookies.length > 0) event.cookies = cookies
  if (query.size > 0)
    event.queryStringParameters = Object.fromEntries(
      [...query].map(([name, values]) => [name, values.join(',')]),
    )
  if (route.pathParameters && Object.keys(route.pathParameters).length > 0)
    event.pathParameters = route.pathParameters
  if (facts.body && facts.body.length > 0) {
    event.isBase64Encoded = !isTextContent(headers['content-type'])
    event.body = facts.body.toString(event.isBase64Encoded ? 'base64' : 'utf8')
  }
  return event
}

/** Handshake headers keep the case the client sent; `headers` holds the last value, as API Gateway's does. */
function handshakeHeaders(facts: RequestFacts, now: Date) {
  const multi: Record<string, string[]> = {}
  const names = new Map<string, string>()
  const add = (rawName: string, value: string) => {
    const name = names.get(rawName.toLowerCase()) ?? rawName
    names.set(rawName.toLowerCase(), name)
    multi[name] = [...(multi[name] ?? []), value]
  }
  for (const [name, value] of pairs(facts.rawHeaders)) add(name, value)
  const sentFor = names.get('x-forwarded-for')
  if (sentFor) multi[sentFor] = [forwarded(facts, multi[sentFor]?.join(', '))]
  else add('X-Forwarded-For', facts.sourceIp)
  if (!names.has('x-amzn-trace-id')) add('X-Amzn-Trace-Id', traceId(now))
  add('X-Forwarded-Port', String(facts.localPort))
  add('X-Forwarded-Proto', 'http')
  const headers = Object.fromEntries(
    Object.entries(multi).map(([name, values]) => [name, values.at(-1) ?? '']),
  )
  return { headers, multiValueHeaders: multi }
}

function handshakeQuery(facts: RequestFacts) {
  const query = queryOf(facts.rawQueryString)
  return {
    queryStringParameters: Object.fromEntries(
      [...query].map(([name, values]) => [name, values.at(-1) ?? '']),
    ),
    multiValueQueryStringParameters: Object.fromEntries(query),
  }
}

function wsContext(
  eventType: WsEventType,
  routeKey: string,
  connection: ConnectionFacts,
  ids: LocalIdentity,
  now: Date,
): WsRequestContext {
  const requestId = gatewayId()
  const context: WsRequestContext = {
    routeKey,
    eventType,
    extendedRequestId: requestId,
    requestTime: gatewayTime(now),
    messageDirection: 'IN',
    stage: ids.wsStage,
    connectedAt: connection.connectedAt,
    requestTimeEpoch: now.getTime(),
    identity: connection.identity,
    requestId,
    domainName: connection.domainName,
    connectionId: connection.connectionId,
    apiId: ids.wsApiId,
  }
  if (connection.authorizer) context.authorizer = connection.authorizer
  return context
}

export function wsAuthorizerEvent(
  facts: RequestFacts,
  connection: ConnectionFacts,
  ids: LocalIdentity,
  now = new Date(),
): WsAuthorizerEvent {
  return {
    type: 'REQUEST',
    methodArn: `arn:aws:execute-api:${ids.region}:${ids.accountId}:${ids.wsApiId}/${ids.wsStage}/$connect`,
    ...handshakeHeaders(facts, now),
    ...handshakeQuery(facts),
    stageVariables: {},
    // The authorizer runs before there is any authorizer context to carry.
    requestContext: wsContext('CONNECT', '$connect', { ...connection, authorizer: undefined }, ids, now),
  }
}

export function wsConnectEvent(
  facts: RequestFacts,
  connection: ConnectionFacts,
  ids: LocalIdentity,
  now = new Date(),
): WsEvent {
  const query = handshakeQuery(facts)
  return {
    ...handshakeHeaders(facts, now),
    ...(Object.keys(query.queryStringParameters).length > 0 && query),
    requestContext: wsContext('CONNECT', '$connect', connection, ids, now),
    isBase64Encoded: false,
  }
}

export function wsMessageEvent(
  routeKey: string,
  body: string,
  connection: ConnectionFacts,
  ids: LocalIdentity,
  now = new Date(),
): WsEvent {
  const requestContext = wsContext('MESSAGE', routeKey, connection, ids, now)
  requestContext.messageId = gatewayId()
  return { requestContext, body, isBase64Encoded: false }
}

export function wsDisconnectEvent(
  code: number,
  reason: string,
  connection: ConnectionFacts,
  ids: LocalIdentity,
  now = new Date(),
): WsEvent {
  const requestContext = wsContext('DISCONNECT', '$disconnect', connection, ids, now)
  requestContext.disconnectStatusCode = code
  requestContext.disconnectReason = reason
  const headers = { Host: connection.domainName, 'x-api-key': '', 'X-Forwarded-For': '', 'x-restapi': '' }
  const multiValueHeaders = Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name, [value]]),
  )
  return { headers, multiValueHeaders, requestContext, isBase64Encoded: false }
}

function sqsRecord(message: Message, queueArn: string): SQSRecord {
  const attributes = message.Attributes ?? {}
  const messageAttributes: SQSRecord['messageAttributes'] = {}
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    messageAttributes[name] = {
      dataType: value.DataType ?? 'String',
      stringListValues: [],
      binaryListValues: [],
      ...(value.StringValue !== undefined && { stringValue: value.StringValue }),
      ...(value.BinaryValue !== undefined && {
        binaryValue: Buffer.from(value.BinaryValue).toString('base64'),
      }),
    }
  }
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ...attributes,
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? '',
      SenderId: attributes.SenderId ?? '',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? '',
    },
    messageAttributes,
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: queueArn.split(':')[3] ?? '',
  }
}

export function sqsEvent(messages: Message[], queueArn: string): SQSEvent {
  return { Records: messages.map((message) => sqsRecord(message, queueArn)) }
}

export function scheduledEvent(ruleName: string, ids: LocalIdentity, now = new Date()): ScheduledEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: ids.accountId,
    time: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: ids.region,
    resources: [`arn:aws:events:${ids.region}:${ids.accountId}:rule/${ruleName}`],
    detail: {},
  }
}
