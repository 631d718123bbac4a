// Redis over the Upstash REST protocol: stateless HTTP calls, so nothing to pool or close.
import { Redis } from '@upstash/redis'
import { config, requireOneOf } from '../config.ts'
import { lazy } from './lazy.ts'
import { secretJson } from './secrets.ts'

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
  return new Redis({
    url: credentials.url,
    token: credentials.token,
    // Values are stored as given; callers serialise explicitly.
    automaticDeserialization: false,
    retry: { retries: 2, backoff: (attempt) => 50 * 2 ** attempt },
    enableTelemetry: false,
  })
}

export const redisClient = lazy(create).get
