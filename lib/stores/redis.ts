// Redis over the Upstash REST protocol: stateless HTTP calls, so nothing to pool or close.
import { errors, Redis, type Requester, type UpstashRequest, type UpstashResponse } from '@upstash/redis'
import { config, requireOneOf } from '../config.ts'
import { type Answer, keptAliveOrigin } from './kept-alive-http.ts'
import { lazy } from './lazy.ts'
import { secretJson } from './secrets.ts'

const retries = 2
const backoffMs = (attempt: number) => 50 * 2 ** attempt

interface QueuedPipeline {
  commands: unknown[]
  resolve: (answer: unknown) => void
  reject: (error: unknown) => void
}

/**
 * Upstash's REST protocol on kept-alive node:http sockets. The library's own transport is `fetch`, which cost ~1.1 ms
 * of CPU a call here against ~0.2 (measured side by side on one local endpoint), and every message is a call or two.
 * As the library's: JSON in and out (no base64: callers store UTF-8 text), read-your-writes sync token kept, a
 * request that got no answer sent again twice with backoff, a refusal thrown as UpstashError.
 *
 * Pipelines asked for in one turn of the event loop go as one `/pipeline` request, each answered with its own part:
 * a frame's admission and a send's rate limit are asked for by different layers a few microtasks apart, and so cost
 * one HTTP request rather than two. Upstash runs a pipeline's commands in order and not as a transaction, so one
 * pipeline of several is the same as several in a row.
 */
export function restRequester(url: string, token: string): Requester {
  const origin = keptAliveOrigin(url)
  const basePath = origin.base.pathname === '/' ? '' : origin.base.pathname

  const post = async <TResult>(req: UpstashRequest): Promise<UpstashResponse<TResult>> => {
    const body = JSON.stringify(req.body)
    const headers: Record<string, string> = {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      ...req.headers,
      ...(requester.upstashSyncToken && { 'upstash-sync-token': requester.upstashSyncToken }),
    }
    const path = [basePath, ...(req.path ?? [])].join('/') || '/'
    let answer: Answer | undefined
    for (let attempt = 0; answer === undefined; attempt++) {
      try {
        answer = await origin.request({ method: 'POST', path, headers, body })
      } catch (error) {
        if (attempt >= retries) throw error
        await new Promise((resolve) => setTimeout(resolve, backoffMs(attempt)))
      }
    }
    let parsed: UpstashResponse<TResult> & { error?: string }
    try {
      parsed = JSON.parse(answer.text)
    } catch (error) {
      throw new errors.UpstashJSONParseError(answer.text, { cause: error })
    }
    const syncToken = answer.headers['upstash-sync-token']
    if (typeof syncToken === 'string') requester.upstashSyncToken = syncToken
    if (answer.status < 200 || answer.status >= 300)
      throw new errors.UpstashError(`${parsed.error}, command was: ${JSON.stringify(req.body)}`)
    return parsed
  }

  let queued: QueuedPipeline[] = []
  const flush = async () => {
    const batch = queued
    queued = []
    try {
      const answers = (await post({
        path: ['pipeline'],
        body: batch.flatMap((one) => one.commands),
      })) as unknown
      if (batch.length === 1) return batch[0]?.resolve(answers)
      if (!Array.isArray(answers))
        throw new errors.UpstashError(`a pipeline answered ${JSON.stringify(answers)}`)
      let offset = 0
      for (const one of batch) {
        one.resolve(answers.slice(offset, offset + one.commands.length))
        offset += one.commands.length
      }
    } catch (error) {
      for (const one of batch) one.reject(error)
    }
  }

  const requester: Requester = {
    readYourWrites: true,
    upstashSyncToken: '',
    request<TResult>(req: UpstashRequest): Promise<UpstashResponse<TResult>> {
      const pipeline = req.path?.length === 1 && req.path[0] === 'pipeline' && Array.isArray(req.body)
      if (!pipeline || req.headers !== undefined) return post(req)
      return new Promise((resolve, reject) => {
        if (queued.length === 0) setImmediate(flush)
        queued.push({
          commands: req.body as unknown[],
          resolve: resolve as (answer: unknown) => void,
          reject,
        })
      })
    },
  }
  return requester
}

/** The library's client over restRequester, with the options its url/token constructor would be given. */
class KeptAliveRedis extends Redis {
  constructor(requester: Requester) {
    super(requester)
    // Values are stored as given; callers serialise explicitly.
    this.opts = { automaticDeserialization: false }
    this.enableTelemetry = false
  }

  /** Commands issued in one tick go as one pipeline request, as the url/token client's do. */
  pipelined(): Redis {
    return this.autoPipeline()
  }
}

async function create(): Promise<Redis> {
  const env = config()
  const { UPSTASH_REDIS_REST_URL, UPSTASH_REDIS_REST_TOKEN, UPSTASH_SECRET_ARN } = env
  if (!(UPSTASH_REDIS_REST_URL && UPSTASH_REDIS_REST_TOKEN)) {
    requireOneOf(
      env,
      ['UPSTASH_SECRET_ARN'],
      'set UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN, or UPSTASH_SECRET_ARN',
    )
  }
  const credentials =
    UPSTASH_REDIS_REST_URL && UPSTASH_REDIS_REST_TOKEN
      ? { url: UPSTASH_REDIS_REST_URL, token: UPSTASH_REDIS_REST_TOKEN }
      : await secretJson<{ url: string; token: string }>(UPSTASH_SECRET_ARN as string)
  return new KeptAliveRedis(restRequester(credentials.url, credentials.token)).pipelined()
}

export const redisClient = lazy(create).get
