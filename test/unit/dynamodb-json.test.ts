// The fan-out's DynamoDB reads, signed without the SDK (lib/stores/dynamodb-json.ts): the same request as the SDK's
// client, a valid signature, refusals named as the SDK names them, and the SDK's retries.
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { BatchGetItemCommand, DeleteItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { DynamoDbError, dynamoJsonApi } from '../../lib/stores/dynamodb-json.ts'
import { announcedCalls, testCredentials, verifySignature } from './sigv4-verifier.ts'

const region = 'eu-west-1'

interface Received {
  target: string
  contentType: string
  body: unknown
  signatureValid: boolean
  headers: IncomingMessage['headers']
}

let server: Server
let endpoint: string
const received: Received[] = []
/** What the server answers next, in order; an empty BatchGetItem answer once they run out. */
const answers: { status: number; type?: string; body?: unknown; drop?: boolean }[] = []

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const answer = answers.shift() ?? { status: 200, body: { Responses: {}, UnprocessedKeys: {} } }
      if (answer.drop) return request.socket.destroy()
      const body = Buffer.concat(chunks)
      received.push({
        target: String(request.headers['x-amz-target']),
        contentType: String(request.headers['content-type']),
        body: JSON.parse(body.toString('utf8')),
        signatureValid: verifySignature(
          { method: request.method ?? '', path: request.url ?? '', headers: request.headers, body },
          { region, service: 'dynamodb' },
        ),
        headers: request.headers,
      })
      response.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0' })
      response.end(
        JSON.stringify(
          answer.type
            ? { __type: `com.amazonaws.dynamodb.v20120810#${answer.type}`, message: 'refused' }
            : answer.body,
        ),
      )
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: testCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: testCredentials.secretAccessKey,
  })
})
afterEach(() => {
  received.length = 0
  answers.length = 0
  delete process.env.AWS_SESSION_TOKEN
})
afterAll(() => new Promise((resolve) => server.close(resolve)))

const request = {
  RequestItems: {
    connections: {
      Keys: [{ pk: { S: 'user#a' } }, { pk: { S: 'user#b' } }],
      ProjectionExpression: '#key, #ids',
      ExpressionAttributeNames: { '#key': 'pk', '#ids': 'connectionIds' },
    },
  },
}
const removal = {
  TableName: 'connections',
  Key: { pk: { S: 'abc=' } },
  ConditionExpression: 'attribute_not_exists(#key) OR connectedAt < :settled',
  ExpressionAttributeNames: { '#key': 'pk' },
  ExpressionAttributeValues: { ':settled': { S: '2026-12-04T00:00:00.000Z' } },
}
const noWait = { backoffMs: () => 0 }

describe('DynamoDB over signed HTTP', () => {
  it('sends BatchGetItem as the SDK client does, signed by the SigV4 specification, with the session token', async () => {
    process.env.AWS_SESSION_TOKEN = 'session-token-of-the-role'
    const sdk = new DynamoDBClient({
      endpoint,
      region,
      credentials: { ...testCredentials, sessionToken: 'session-token-of-the-role' },
    })
    await sdk.send(new BatchGetItemCommand(request))
    await dynamoJsonApi(endpoint, region).call('BatchGetItem', request)

    const [bySdk, ours] = received
    expect(bySdk?.signatureValid).toBe(true)
    expect(ours?.signatureValid).toBe(true)
    expect(ours?.target).toBe(bySdk?.target)
    expect(ours?.target).toBe('DynamoDB_20120810.BatchGetItem')
    expect(ours?.contentType).toBe(bySdk?.contentType)
    expect(ours?.body).toEqual(bySdk?.body)
    expect(ours?.headers['x-amz-security-token']).toBe('session-token-of-the-role')
  })

  it('answers the parsed response', async () => {
    const answer = {
      Responses: { connections: [{ pk: { S: 'user#a' }, connectionIds: { SS: ['c1', 'c2'] } }] },
    }
    answers.push({ status: 200, body: answer })
    await expect(dynamoJsonApi(endpoint, region).call('BatchGetItem', request)).resolves.toEqual(answer)
  })

  it('names a refusal by its __type and does not send it again', async () => {
    answers.push({ status: 400, type: 'ResourceNotFoundException' })
    const refusal = dynamoJsonApi(endpoint, region, noWait).call('BatchGetItem', request)
    await expect(refusal).rejects.toBeInstanceOf(DynamoDbError)
    await expect(refusal).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      status: 400,
      message: 'refused',
    })
    expect(received).toHaveLength(1)
  })

  it('backs off after throttling, a 5xx or no answer, three attempts at most, the throttled waits longer', async () => {
    const waits: [number, boolean][] = []
    const api = dynamoJsonApi(endpoint, region, {
      backoffMs: (attempt, throttled) => {
        waits.push([attempt, throttled])
        return 0
      },
    })
    answers.push({ status: 400, type: 'ProvisionedThroughputExceededException' }, { status: 500 })
    await api.call('BatchGetItem', request)
    expect(received).toHaveLength(3)
    expect(waits).toEqual([
      [1, true],
      [2, false],
    ])

    answers.push({ status: 200, drop: true }, { status: 503 }, { status: 400, type: 'ThrottlingException' })
    await expect(api.call('BatchGetItem', request)).rejects.toMatchObject({ name: 'ThrottlingException' })
    expect(answers).toHaveLength(0)
  })

  it('announces each call for the IAM check, with the table it reads or writes', async () => {
    const seen = await announcedCalls(async () => {
      await dynamoJsonApi(`${endpoint}/`, region).call('BatchGetItem', request)
      answers.push({ status: 200, body: {} })
      await dynamoJsonApi(`${endpoint}/`, region).call('DeleteItem', removal)
    })
    expect(seen).toEqual([
      { client: 'DynamoDBClient', operation: 'BatchGetItem', endpoint, table: 'connections' },
      { client: 'DynamoDBClient', operation: 'DeleteItem', endpoint, table: 'connections' },
    ])
  })

  it('sends a conditional DeleteItem as the SDK client does', async () => {
    const sdk = new DynamoDBClient({ endpoint, region, credentials: testCredentials })
    answers.push({ status: 200, body: {} }, { status: 200, body: {} })
    await sdk.send(new DeleteItemCommand(removal))
    await dynamoJsonApi(endpoint, region).call('DeleteItem', removal)

    const [bySdk, ours] = received
    expect(ours?.signatureValid).toBe(true)
    expect(ours?.target).toBe('DynamoDB_20120810.DeleteItem')
    expect(ours?.target).toBe(bySdk?.target)
    expect(ours?.body).toEqual(bySdk?.body)
  })
})
