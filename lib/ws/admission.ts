// Whether a connection's frame may be served: its session still live and the connection within its frame limit.
import type { Redis } from '@upstash/redis'
import { config } from '../config.ts'
import { sessionEndedKey } from '../connections/ended-sessions.ts'
import type { Limiter } from '../rate-limit/limiter.ts'

/** Per connection, over every route (ping and $default included): a token bucket, and when a flood ends the socket. */
export const frameRule = {
  perSecond: 20,
  burst: 40,
  /** One rate_limited error frame per this long at most, so answering a flood does not echo it back. */
  warnEveryMs: 1000,
  /** Frames refused without the connection ever going quiet long enough to refill its bucket: then it is closed. */
  closeAfterRefused: 40,
} as const

const framesKey = (connectionId: string, stage = config().STAGE) => `${stage}:ws:frames:${connectionId}`

export type Admission =
  | { verdict: 'admitted' }
  | { verdict: 'session_ended' }
  /** `warn`: the first refusal of its window, which gets the error frame; `close`: the one that closes a flood. */
  | { verdict: 'limited'; retryAfterMs: number; warn: boolean; close: boolean }

/**
 * KEYS[1] the connection's bucket (hash), KEYS[2] its session's ended marker. ARGV: now (ms), per second, burst,
 * warn every (ms), close after, whether there is a session to check. Answers {verdict, retry after ms} with verdict
 * 0 session ended, 1 admitted, 2 refused quietly, 3 refused with a warning, 4 refused and to be closed. Frames run
 * concurrently, so many may be refused past the closing point: only one a window is told to close (and warns).
 */
const admitScript = `
if ARGV[6] == '1' and redis.call('EXISTS', KEYS[2]) == 1 then return {0, 0} end
local now, rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local warnEvery, closeAfter = tonumber(ARGV[4]), tonumber(ARGV[5])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at', 'refused', 'warnedAt', 'closedAt')
local tokens = tonumber(state[1]) or burst
local refused = tonumber(state[3]) or 0
local warnedAt = tonumber(state[4]) or (now - warnEvery)
local closedAt = tonumber(state[5]) or (now - warnEvery)
tokens = math.min(burst, tokens + math.max(0, now - (tonumber(state[2]) or now)) * rate / 1000)
if tokens >= burst then refused = 0 end
local verdict, retry = 1, 0
if tokens >= 1 then
  tokens = tokens - 1
else
  refused = refused + 1
  retry = math.ceil((1 - tokens) * 1000 / rate)
  verdict = 2
  if refused >= closeAfter then
    if now - closedAt >= warnEvery then verdict = 4; closedAt = now end
  elseif now - warnedAt >= warnEvery then verdict = 3; warnedAt = now end
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now), 'refused', tostring(refused),
  'warnedAt', tostring(warnedAt), 'closedAt', tostring(closedAt))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + warnEvery)
return {verdict, retry}`

let script: ReturnType<Redis['createScript']> | undefined
let scriptOf: Redis | undefined

/** One Redis round trip per frame: the session marker and the connection's bucket, read and updated together. */
export async function admitFrame(
  redis: Redis,
  frame: { connectionId: string; sessionId?: string; now?: number },
): Promise<Admission> {
  if (scriptOf !== redis) {
    script = redis.createScript(admitScript)
    scriptOf = redis
  }
  const now = frame.now ?? Date.now()
  const session = frame.sessionId ?? ''
  const reply = (await (script as NonNullable<typeof script>).exec(
    [framesKey(frame.connectionId), sessionEndedKey(session)],
    [now, frameRule.perSecond, frameRule.burst, frameRule.warnEveryMs, frameRule.closeAfterRefused]
      .map(String)
      .concat(session ? '1' : '0'),
  )) as [number, number]
  const [verdict, retryAfterMs] = reply.map(Number) as [number, number]
  if (verdict === 0) return { verdict: 'session_ended' }
  if (verdict === 1) return { verdict: 'admitted' }
  return { verdict: 'limited', retryAfterMs, warn: verdict === 3, close: verdict === 4 }
}

/**
 * The sender's limit, answered only once the connection's frame is admitted too: the limit is checked in the
 * first store round trip, before anything is written, so the admission rides in that round trip for free.
 */
export function afterAdmission(limiter: Limiter, admitted: Promise<void>): Limiter {
  return {
    consume: async (identifier) => (await Promise.all([limiter.consume(identifier), admitted]))[0],
    ensureRemaining: async (identifier) => {
      await Promise.all([limiter.ensureRemaining(identifier), admitted])
    },
  }
}
