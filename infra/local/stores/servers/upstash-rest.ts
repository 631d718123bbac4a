// A local endpoint speaking the Upstash Redis REST protocol (as @upstash/redis uses it), backed by Redis via ioredis.
import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { Redis, ReplyError } from 'ioredis'
import { closeServer, listenOn } from '../listen.ts'
import type { StoreServer } from './index.ts'

type Command = [string, ...string[]]

interface Options {
  port: number
  redisUrl: string
  /** The bearer token clients must send; the parent keeps it, so a restarted endpoint takes the same one. */
  token: string
}

class BadRequest extends Error {}

/** Commands that would change the state of the one connection every request shares. */
const refused = new Set(['subscribe', 'psubscribe', 'monitor', 'select', 'multi', 'exec', 'watch', 'quit'])

// Redis 7 rejects shebang flags it does not know, such as Upstash's `allow-key-locking` that
// @upstash/ratelimit's scripts carry; they are dropped, and EVALSHA with the original script's sha1 is
// mapped to the sha1 of the script Redis holds.
const redisScriptFlags = new Set([
  'no-writes',
  'allow-oom',
  'allow-stale',
  'no-cluster',
  'allow-cross-slot-keys',
])
const sha1 = (text: string) => createHash('sha1').update(text).digest('hex')

function withRedisFlags(script: string): string {
  const shebang = /^#!lua[ \t]+flags=(\S*)/.exec(script)
  if (!shebang) return script
  const kept = (shebang[1] ?? '').split(',').filter((flag) => redisScriptFlags.has(flag))
  return `#!lua${kept.length > 0 ? ` flags=${kept.join(',')}` : ''}${script.slice(shebang[0].length)}`
}

interface Prepared {
  name: string
  args: string[]
  reply: (reply: unknown) => unknown
}

/** The command Redis runs in place of the client's, and how its reply becomes the one the client expects. */
function preparer() {
  const loaded = new Map<string, string>()
  const rewrite = (script: string) => {
    const fixed = withRedisFlags(script)
    if (fixed !== script) loaded.set(sha1(script), sha1(fixed))
    return fixed
  }
  const same = (reply: unknown) => reply
  return ([name, ...args]: Command): Prepared => {
    const verb = name.toLowerCase()
    if (refused.has(verb)) throw new ReplyError(`ERR Command is not available: '${verb}'`)
    const [first = '', ...rest] = args
    if (verb === 'eval' || verb === 'eval_ro') return { name, args: [rewrite(first), ...rest], reply: same }
    if (verb === 'evalsha' || verb === 'evalsha_ro') {
      return { name, args: [loaded.get(first.toLowerCase()) ?? first, ...rest], reply: same }
    }
    if (verb === 'script' && first.toLowerCase() === 'load' && rest[0] !== undefined) {
      const original = rest[0]
      return { name, args: [first, rewrite(original)], reply: () => sha1(original) }
    }
    return { name, args, reply: same }
  }
}

/** Replies as Upstash sends them: strings (base64 when asked, recursively), numbers, nulls, flat arrays. */
function encode(reply: unknown, base64: boolean): unknown {
  if (typeof reply === 'string') return base64 ? Buffer.from(reply).toString('base64') : reply
  if (Buffer.isBuffer(reply)) return base64 ? reply.toString('base64') : reply.toString()
  if (Array.isArray(reply)) return reply.map((item) => encode(item, base64))
  if (reply instanceof Error) return reply.message
  // ioredis turns HGETALL's array into an object; Upstash sends the array.
  if (reply !== null && typeof reply === 'object') {
    return Object.entries(reply).flatMap(([key, value]) => [encode(key, base64), encode(value, base64)])
  }
  return reply ?? null
}

function asCommand(value: unknown): Command {
  const valid = (part: unknown) => ['string', 'number', 'boolean'].includes(typeof part)
  if (!Array.isArray(value) || value.length === 0 || !value.every(valid)) {
    throw new BadRequest('ERR a command is a non-empty JSON array of strings')
  }
  return value.map(String) as Command
}

function asCommands(value: unknown): Command[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new BadRequest('ERR expected a JSON array of commands')
  }
  return value.map(asCommand)
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  try {
    return JSON.parse(Buffer.concat(chunks).toString())
  } catch {
    throw new BadRequest('ERR failed to parse the request body as JSON')
  }
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
}

type Outcome = { result: unknown } | { error: string }
const settle = (results: [Error | null, unknown][], base64: boolean): Outcome[] =>
  results.map(([error, result]) => (error ? { error: error.message } : { result: encode(result, base64) }))

export async function serve({ port, redisUrl, token }: Options): Promise<StoreServer> {
  // RESP2 gives the reply shapes Upstash's REST API has (doubles as strings, maps as flat arrays).
  const redis = new Redis(redisUrl, { protocol: 2, lazyConnect: true, maxRetriesPerRequest: 1 })
  // A lost connection fails the commands that meet it; the event itself has nothing to add.
  redis.on('error', () => {})
  await redis.connect()
  const prepare = preparer()
  const execute = async (command: Command) => {
    const { name, args, reply } = prepare(command)
    return reply(await redis.callBuffer(name, ...args))
  }

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const authorized = request.headers.authorization === `Bearer ${token}`
    if (!authorized) return send(response, 401, { error: 'Unauthorized' })
    if (request.method !== 'POST') return send(response, 405, { error: 'ERR only POST is served' })
    const base64 = request.headers['upstash-encoding'] === 'base64'
    const path = new URL(request.url ?? '/', 'http://local').pathname
    const body = await readJson(request)
    if (path === '/') return send(response, 200, { result: encode(await execute(asCommand(body)), base64) })
    if (path === '/pipeline') {
      const results = await Promise.allSettled(asCommands(body).map(execute))
      const pairs = results.map((r): [Error | null, unknown] =>
        r.status === 'fulfilled' ? [null, r.value] : [r.reason as Error, null],
      )
      return send(response, 200, settle(pairs, base64))
    }
    if (path === '/multi-exec') {
      const prepared = asCommands(body).map(prepare)
      const transaction = redis.multi()
      for (const { name, args } of prepared) transaction.callBuffer(name, ...args)
      const results = ((await transaction.exec()) ?? []).map(([error, result], i): [Error | null, unknown] =>
        error ? [error, null] : [null, prepared[i]?.reply(result)],
      )
      return send(response, 200, settle(results, base64))
    }
    send(response, 404, { error: `ERR unknown path ${path}` })
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      const status = error instanceof ReplyError || error instanceof BadRequest ? 400 : 500
      send(response, status, { error: error instanceof Error ? error.message : String(error) })
    })
  })
  return {
    port: await listenOn(server, port),
    async close() {
      await closeServer(server)
      redis.disconnect()
    },
  }
}
