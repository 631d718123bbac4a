import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { connectionsApi } from '../../lib/stores/ws-management.ts'
import { announcedCalls, testCredentials, verifySignature } from './sigv4-verifier.ts'

const credentials = testCredentials
const region = 'eu-west-1'

interface Received {
  method: string
  path: string
  headers: IncomingMessage['headers']
  body: Buffer
  /** The signature recomputed here from the request as received, by the SigV4 specification. */
  signatureValid: boolean
  sessionToken?: string
}

let server: Server
let endpoint: string
const received: Received[] = []
/** What the server answers next, in order; 200 once they run out. */
const answers: { status: number; errorType?: string; drop?: boolean }[] = []

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const answer = answers.shift() ?? { status: 200 }
      if (answer.drop) return request.socket.destroy()
      const entry = {
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks),
      }
      received.push({
        ...entry,
        signatureValid: verifySignature(entry, { region, service: 'execute-api' }),
        sessionToken: request.headers['x-amz-security-token'] as string | undefined,
      })
      response.writeHead(answer.status, {
        'content-type': 'application/json',
        ...(answer.errorType && { 'x-amzn-errortype': answer.errorType }),
      })
      response.end(answer.status === 200 ? undefined : JSON.stringify({ message: 'refused' }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prod`
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
  })
})
afterEach(() => {
  received.length = 0
  answers.length = 0
  delete process.env.AWS_SESSION_TOKEN
})
afterAll(() => new Promise((resolve) => server.close(resolve)))

const data = new TextEncoder().encode(JSON.stringify({ type: 'pong' }))

describe('the @connections client', () => {
  it('posts what the SDK client posts, signed by the SigV4 specification', async () => {
    const sdk = new ApiGatewayManagementApiClient({ endpoint, region, credentials })
    await sdk.send(new PostToConnectionCommand({ ConnectionId: 'L0SM9cOFvHcCIhw=', Data: data }))
    await connectionsApi(endpoint, region).post('L0SM9cOFvHcCIhw=', data)

    const [bySdk, ours] = received
    // The verifier is judged first by the SDK's own request.
    expect(bySdk?.signatureValid).toBe(true)
    expect(ours?.signatureValid).toBe(true)
    expect(ours?.method).toBe(bySdk?.method)
    expect(ours?.path).toBe(bySdk?.path)
    expect(ours?.path).toBe('/prod/@connections/L0SM9cOFvHcCIhw%3D')
    expect(ours?.body.equals(bySdk?.body as Buffer)).toBe(true)
  })

  it('deletes as the SDK client does, and signs the session token Lambda gives', async () => {
    process.env.AWS_SESSION_TOKEN = 'session-token-of-the-role'
    const sdk = new ApiGatewayManagementApiClient({
      endpoint,
      region,
      credentials: { ...credentials, sessionToken: 'session-token-of-the-role' },
    })
    await sdk.send(new DeleteConnectionCommand({ ConnectionId: 'abc=' }))
    await connectionsApi(endpoint, region).delete('abc=')

    const [bySdk, ours] = received
    expect(bySdk?.signatureValid).toBe(true)
    expect(ours).toMatchObject({ method: 'DELETE', path: bySdk?.path, signatureValid: true })
    expect(ours?.sessionToken).toBe('session-token-of-the-role')
    expect(String(ours?.headers.authorization)).toContain('x-amz-security-token')
  })

  it('names refusals as the SDK does: by x-amzn-errortype, else by status', async () => {
    answers.push(
      { status: 410, errorType: 'GoneException:http://internal.amazon.com/coral/' },
      { status: 429 },
    )
    const api = connectionsApi(endpoint, region)
    await expect(api.post('gone=', data)).rejects.toMatchObject({ name: 'GoneException', status: 410 })
    await expect(api.post('busy=', data)).rejects.toMatchObject({
      name: 'LimitExceededException',
      status: 429,
      message: 'refused',
    })
  })

  it('sends again a request whose socket closed without an answer, three attempts at most', async () => {
    const api = connectionsApi(endpoint, region)
    answers.push({ status: 200, drop: true })
    await api.post('abc=', data)
    expect(received).toHaveLength(1)

    answers.push(...Array.from({ length: 3 }, () => ({ status: 200, drop: true })))
    await expect(api.post('abc=', data)).rejects.toThrow()
    expect(answers).toHaveLength(0)
  })

  it('sends again after a 5xx, as the SDK does, and gives up after three attempts', async () => {
    const api = connectionsApi(endpoint, region)
    answers.push({ status: 500, errorType: 'InternalServerErrorException' })
    await api.post('abc=', data)
    expect(received).toHaveLength(2)

    answers.push(...Array.from({ length: 3 }, () => ({ status: 503 })))
    await expect(api.post('abc=', data)).rejects.toMatchObject({ name: 'HttpError503', status: 503 })
    expect(answers).toHaveLength(0)
  })

  it('announces each call for the IAM check, with the endpoint and connection it names', async () => {
    const seen = await announcedCalls(() => connectionsApi(`${endpoint}/`, region).post('abc=', data))
    expect(seen).toEqual([
      {
        client: 'ApiGatewayManagementApiClient',
        operation: 'PostToConnection',
        endpoint,
        connectionId: 'abc=',
      },
    ])
  })
})
