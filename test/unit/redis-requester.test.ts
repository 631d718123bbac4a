import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { redisClient, restRequester } from '../../lib/stores/redis.ts'

interface Seen {
  path: string
  authorization?: string
  syncToken?: string
  body: unknown
}

let server: Server
let url: string
const seen: Seen[] = []
/** What the server answers next, in order; `{ result: 'OK' }` once they run out. */
const answers: { status?: number; body?: unknown; syncToken?: string; drop?: boolean }[] = []

beforeAll(async () => {
  server = createServer((request, response) => {
    let text = ''
    request.on('data', (chunk) => {
      text += chunk
    })
    request.on('end', () => {
      const answer = answers.shift() ?? {}
      if (answer.drop) return request.socket.destroy()
      seen.push({
        path: request.url ?? '',
        authorization: request.headers.authorization,
        syncToken: request.headers['upstash-sync-token'] as string | undefined,
        body: JSON.parse(text),
      })
      response.writeHead(answer.status ?? 200, {
        'content-type': 'application/json',
        ...(answer.syncToken && { 'upstash-sync-token': answer.syncToken }),
      })
      response.end(JSON.stringify(answer.body ?? { result: 'OK' }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterEach(() => {
  seen.length = 0
  answers.length = 0
})
afterAll(() => new Promise((resolve) => server.close(resolve)))

describe('the Upstash REST requester', () => {
  it('posts the command with the bearer token and answers with the body', async () => {
    answers.push({ body: { result: 7 } })
    const requester = restRequester(`${url}/`, 'secret-token')
    expect(await requester.request({ body: ['incr', 'n'] })).toEqual({ result: 7 })
    expect(seen).toEqual([{ path: '/', authorization: 'Bearer secret-token', body: ['incr', 'n'] }])
  })

  it('sends the last sync token it was given, for read-your-writes', async () => {
    answers.push({ syncToken: 'token-1' }, {})
    const requester = restRequester(url, 't')
    await requester.request({ body: ['set', 'a', '1'] })
    await requester.request({ path: ['pipeline'], body: [['get', 'a']] })
    expect(seen.map((entry) => [entry.path, entry.syncToken])).toEqual([
      ['/', undefined],
      ['/pipeline', 'token-1'],
    ])
  })

  it('throws a refusal as UpstashError, naming the command', async () => {
    answers.push({ status: 400, body: { error: 'ERR wrong number of arguments' } })
    await expect(restRequester(url, 't').request({ body: ['get'] })).rejects.toMatchObject({
      name: 'UpstashError',
      message: 'ERR wrong number of arguments, command was: ["get"]',
    })
  })

  it('sends a request again when its socket closed unanswered, twice at most', async () => {
    answers.push({ drop: true }, { body: { result: 'PONG' } })
    expect(await restRequester(url, 't').request({ body: ['ping'] })).toEqual({ result: 'PONG' })
    answers.push({ drop: true }, { drop: true }, { drop: true })
    await expect(restRequester(url, 't').request({ body: ['ping'] })).rejects.toThrow()
    expect(answers).toHaveLength(0)
  })
})

describe('pipelines asked for in one turn of the event loop', () => {
  it('go as one /pipeline request, each answered with its own part', async () => {
    answers.push({ body: [{ result: 1 }, { result: 'a' }, { error: 'NOSCRIPT' }] })
    const requester = restRequester(url, 't')
    const first = requester.request({ path: ['pipeline'], body: [['incr', 'n']] })
    // A few microtasks later, as a second layer's call comes.
    await Promise.resolve()
    await Promise.resolve()
    const second = requester.request({
      path: ['pipeline'],
      body: [
        ['get', 'a'],
        ['evalsha', 'f00', '0'],
      ],
    })
    expect(await first).toEqual([{ result: 1 }])
    expect(await second).toEqual([{ result: 'a' }, { error: 'NOSCRIPT' }])
    expect(seen.map((entry) => [entry.path, entry.body])).toEqual([
      [
        '/pipeline',
        [
          ['incr', 'n'],
          ['get', 'a'],
          ['evalsha', 'f00', '0'],
        ],
      ],
    ])
  })

  it('go separately when a turn of the event loop lies between them, and single commands never wait', async () => {
    answers.push({ body: [{ result: 1 }] }, { body: { result: 'PONG' } }, { body: [{ result: 2 }] })
    const requester = restRequester(url, 't')
    await requester.request({ path: ['pipeline'], body: [['incr', 'n']] })
    await requester.request({ body: ['ping'] })
    await requester.request({ path: ['pipeline'], body: [['incr', 'n']] })
    expect(seen.map((entry) => entry.path)).toEqual(['/pipeline', '/', '/pipeline'])
  })

  it('all fail when their request does', async () => {
    answers.push({ status: 500, body: { error: 'ERR down' } })
    const requester = restRequester(url, 't')
    const asked = [
      requester.request({ path: ['pipeline'], body: [['get', 'a']] }),
      requester.request({ path: ['pipeline'], body: [['get', 'b']] }),
    ]
    for (const answer of asked) await expect(answer).rejects.toMatchObject({ name: 'UpstashError' })
    expect(seen).toHaveLength(1)
  })
})

describe('the shared Redis client', () => {
  it('keeps values as stored, JSON text included, and runs commands of one tick as one pipeline', async () => {
    const previous = { url: process.env.UPSTASH_REDIS_REST_URL, token: process.env.UPSTASH_REDIS_REST_TOKEN }
    // The client is created once per process: this test file's process, with this server.
    Object.assign(process.env, { UPSTASH_REDIS_REST_URL: url, UPSTASH_REDIS_REST_TOKEN: 't' })
    try {
      answers.push({ body: [{ result: '{"a":1}' }, { result: '12' }] })
      const redis = await redisClient()
      expect(await Promise.all([redis.get('json'), redis.get('number')])).toEqual(['{"a":1}', '12'])
      expect(seen).toEqual([
        {
          path: '/pipeline',
          authorization: 'Bearer t',
          body: [
            ['get', 'json'],
            ['get', 'number'],
          ],
        },
      ])
    } finally {
      Object.assign(process.env, {
        UPSTASH_REDIS_REST_URL: previous.url,
        UPSTASH_REDIS_REST_TOKEN: previous.token,
      })
    }
  })
})
