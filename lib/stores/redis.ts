// Redis over the Upstash REST protocol: stateless HTTP calls, so nothing to pool or close.
import { Agent as HttpAgent, request as httpRequest } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import { errors, Redis, type Requester, type UpstashRequest, type UpstashResponse } from '@upstash/redis'
import { config, requireOneOf } from '../config.ts'
import { lazy } from './lazy.ts'
import { secretJson } from './secrets.ts'

const retries = 2
const backoffMs = (attempt: number) => 50 * 2 ** attempt

/**
 * Upstash's REST protocol on kept-alive node:http sockets. The library's own transport is `fetch`, which cost ~1.1 ms
 * of CPU a call here against ~0.2 (measured side by side on one local endpoint), and every message is a call or two.
 * As the library's: JSON in and out (no base64: callers store UTF-8 text), read-your-writes sync token kept, a
 * request that got no answer sent again twice with backoff, a refusal thrown as UpstashError.
 */
export function restRequester(url: string, token: string): Requester {
  const base = new URL(url.replace(/\/$/, ''))
  const secure = base.protocol === 'https:'
  const send = secure ? httpsRequest : httpRequest
  const agent = secure
    ? new HttpsAgent({ keepAlive: true, maxSockets: 64 })
    : new HttpAgent({ keepAlive: true, maxSockets: 64 })
  const requester: Requester = {
    readYourWrites: true,
    upstashSyncToken: '',
    async request<TResult>(req: UpstashRequest): Promise<UpstashResponse<TResult>> {
      const body = JSON.stringify(req.body)
      const headers: Record<string, string> = {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        ...req.headers,
        ...(requester.upstashSyncToken && { 'upstash-sync-token': requester.upstashSyncToken }),
      }
      const path = [base.pathname === '/' ? '' : base.pathname, ...(req.path ?? [])].join('/') || '/'
      const once = () =>
        new Promise<{ status: number; text: string; syncToken?: string }>((resolve, reject) => {
          const outgoing = send(
            { agent, method: 'POST', host: base.hostname, port: base.port || undefined, path, headers },
            (response) => {
              let text = ''
              response.setEncoding('utf8')
              response.on('data', (chunk: string) => {
                text += chunk
              })
              response.on('error', reject)
              response.on('end', () => {
                const syncToken = response.headers['upstash-sync-token']
                resolve({
                  status: response.statusCode ?? 0,
                  text,
                  syncToken: syncToken as string | undefined,
                })
              })
            },
          )
          outgoing.on('error', reject)
          outgoing.end(body)
        })
      let answer: Awaited<ReturnType<typeof once>> | undefined
      for (let attempt = 0; answer === undefined; attempt++) {
        try {
          answer = await once()
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
      if (answer.syncToken !== undefined) requester.upstashSyncToken = answer.syncToken
      if (answer.status < 200 || answer.status >= 300)
        throw new errors.UpstashError(`${parsed.error}, command was: ${JSON.stringify(req.body)}`)
      return parsed
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
