// The local HTTP API, driven with fetch: route matching, the payload 2.0 event, results and API Gateway's errors.
import { get } from 'node:http'
import type { APIGatewayProxyEventV2 } from 'aws-lambda'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type LocalRuntime, startLocalRuntime } from '../../../infra/local/runtime.ts'
import { fixtureEnv, fixtureRoutes } from './routes.ts'

let runtime: LocalRuntime
const logged: string[] = []

beforeAll(async () => {
  runtime = await startLocalRuntime({
    routes: fixtureRoutes,
    env: fixtureEnv,
    httpPort: 0,
    wsPort: 0,
    // Short, so the 504 comes soon, but well above what any other request here takes on a busy machine (the
    // 10 MB body included): at 300 ms, those answered 504 now and then.
    limits: { integrationTimeoutMs: 2_000 },
    log: (line) => logged.push(line),
  })
})
afterAll(() => runtime?.stop())

async function echo(path: string, init?: RequestInit): Promise<APIGatewayProxyEventV2> {
  const response = await fetch(`${runtime.httpUrl}${path}`, init)
  expect(response.status).toBe(200)
  return (await response.json()) as APIGatewayProxyEventV2
}

describe('route matching', () => {
  it('binds path parameters, URL-decoded', async () => {
    const event = await echo('/items/a%20b')
    expect(event.routeKey).toBe('GET /items/{id}')
    expect(event.pathParameters).toEqual({ id: 'a b' })
    expect(event.rawPath).toBe('/items/a%20b')
  })

  it('prefers an exact path over a parameterised one', async () => {
    const event = await echo('/items/special')
    expect(event.routeKey).toBe('GET /items/special')
    expect(event.pathParameters).toBeUndefined()
  })

  it('lets a greedy parameter take the rest of the path, below more specific routes', async () => {
    expect((await echo('/files/a/b/c.txt')).pathParameters).toEqual({ proxy: 'a/b/c.txt' })
    const specific = await echo('/files/docs/readme')
    expect(specific.routeKey).toBe('GET /files/{folder}/readme')
    expect(specific.pathParameters).toEqual({ folder: 'docs' })
  })

  it('answers an unknown path or method with 404 {"message":"Not Found"}', async () => {
    for (const [path, method] of [
      ['/nothing', 'GET'],
      ['/items/1', 'DELETE'],
      ['/files', 'GET'],
    ] as const) {
      const response = await fetch(`${runtime.httpUrl}${path}`, { method })
      expect(response.status).toBe(404)
      expect(await response.json()).toEqual({ message: 'Not Found' })
    }
  })
})

describe('the payload format 2.0 event', () => {
  it('carries query, cookies, lower-cased and comma-joined headers, and the request context', async () => {
    // node:http, not fetch, so the repeated header goes out as two header lines.
    const event = await new Promise<APIGatewayProxyEventV2>((resolve, reject) => {
      const headers = {
        'X-Custom': 'One',
        Cookie: 'a=1; b=2',
        'User-Agent': 'gateway-test',
        'X-Multi': ['first', 'second'],
      }
      get(`${runtime.httpUrl}/items/7?tag=x&tag=y&q=hello%20world`, { headers }, async (response) => {
        const chunks: Buffer[] = []
        for await (const chunk of response) chunks.push(chunk as Buffer)
        resolve(JSON.parse(Buffer.concat(chunks).toString()) as APIGatewayProxyEventV2)
      }).on('error', reject)
    })
    expect(event.version).toBe('2.0')
    expect(event.rawQueryString).toBe('tag=x&tag=y&q=hello%20world')
    expect(event.queryStringParameters).toEqual({ tag: 'x,y', q: 'hello world' })
    expect(event.cookies).toEqual(['a=1', 'b=2'])
    expect(event.headers['x-custom']).toBe('One')
    expect(event.headers['x-multi']).toBe('first,second')
    expect(event.headers.cookie).toBeUndefined()
    expect(event.headers['x-forwarded-for']).toBe('127.0.0.1')
    expect(Object.keys(event.headers).every((name) => name === name.toLowerCase())).toBe(true)
    expect(event.isBase64Encoded).toBe(false)
    expect(event.body).toBeUndefined()
    const context = event.requestContext
    expect(context).toMatchObject({
      accountId: '123456789012',
      domainName: new URL(runtime.httpUrl).host,
      http: {
        method: 'GET',
        path: '/items/7',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'gateway-test',
      },
      routeKey: 'GET /items/{id}',
      stage: '$default',
    })
    expect(context.requestId).toMatch(/^[\w-]{15}=$/)
    expect(context.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/)
    expect(Math.abs(context.timeEpoch - Date.now())).toBeLessThan(5000)
  })

  it('passes a JSON body as text and a binary body base64-encoded', async () => {
    const json = await echo('/items/1', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    })
    expect(json).toMatchObject({ body: '{"a":1}', isBase64Encoded: false })
    const bytes = Buffer.from([0, 1, 2, 255])
    const binary = await echo('/items/1', {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    })
    expect(binary.isBase64Encoded).toBe(true)
    expect(Buffer.from(binary.body ?? '', 'base64')).toEqual(bytes)
  })
})

describe('results', () => {
  it('writes a structured result: status, headers, cookies as set-cookie, base64 body decoded', async () => {
    const response = await fetch(`${runtime.httpUrl}/items/1`)
    expect(response.headers.get('x-echo')).toBe('yes')
    expect(response.headers.getSetCookie()).toEqual(['session=abc; Path=/; HttpOnly', 'theme=dark'])
    expect(response.headers.get('apigw-requestid')).toMatch(/=$/)
    const binary = await fetch(`${runtime.httpUrl}/items/1?as=binary`)
    expect(binary.status).toBe(201)
    expect(Buffer.from(await binary.arrayBuffer())).toEqual(Buffer.from([0, 1, 2, 255]))
  })

  it('turns a plain string or object result into a 200 JSON response', async () => {
    const text = await fetch(`${runtime.httpUrl}/items/1?as=string`)
    expect(text.status).toBe(200)
    expect(text.headers.get('content-type')).toBe('application/json')
    expect(await text.text()).toBe('plain words')
    const object = await fetch(`${runtime.httpUrl}/items/1?as=object`)
    expect(await object.json()).toEqual({ echoed: '/items/1' })
  })

  it('answers 500 {"message":"Internal Server Error"} when the handler throws or returns a malformed result', async () => {
    for (const query of ['throw', 'as=malformed']) {
      const response = await fetch(`${runtime.httpUrl}/items/1?${query}`)
      expect(response.status).toBe(500)
      expect(await response.json()).toEqual({ message: 'Internal Server Error' })
    }
  })

  it('answers 504 when the handler outlives the integration timeout', async () => {
    const response = await fetch(`${runtime.httpUrl}/items/1?sleep=6000`)
    expect(response.status).toBe(504)
  })

  it('refuses a body over 10 MB with 413 and accepts one at the limit', async () => {
    const limit = 10 * 1024 * 1024
    const over = await fetch(`${runtime.httpUrl}/items/1?as=object`, {
      method: 'POST',
      body: Buffer.alloc(limit + 1),
    })
    expect(over.status).toBe(413)
    const at = await fetch(`${runtime.httpUrl}/items/1?as=object`, {
      method: 'POST',
      body: Buffer.alloc(limit),
    })
    expect(at.status).toBe(200)
  })
})

describe('the log', () => {
  it('never holds a token, signature or other credential-looking query parameter', async () => {
    const secrets = ['tok3n-value', 'r3fresh-value', 'sig-value', 'cred-value', 'pw-value']
    const query =
      `token=${secrets[0]}&refresh_token=${secrets[1]}&X-Amz-Signature=${secrets[2]}` +
      `&X-Amz-Credential=${secrets[3]}&password=${secrets[4]}&page=2`
    await echo(`/items/1?${query}`)
    const line = logged.find((entry) => entry.includes('page=2'))
    expect(line).toContain('token=REDACTED')
    expect(line).toContain('page=2')
    for (const secret of secrets) expect(logged.join('\n')).not.toContain(secret)
  })
})
