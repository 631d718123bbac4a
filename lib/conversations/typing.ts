// Typing indicators: relayed to the other members online, never stored, and limited so a flood stays small.
import type { Redis } from '@upstash/redis'
import { deliverToUsers, type FanoutDeps } from '../delivery/fanout.ts'
import { frames, type TypingAction } from '../protocol/ws.ts'
import { createLimiter, type Limiter } from '../rate-limit/limiter.ts'
import type { Sql } from '../stores/postgres.ts'
import { typingAudience } from './audience.ts'

/** Per user and conversation: ordinary typing (a start, a stop, a start again) passes; a flood does not. */
export const typingRule = { name: 'typing', limit: 5, window: '5 s' } as const

export function typingLimiter(redis: () => Promise<Redis>): Limiter {
  return createLimiter(redis, typingRule)
}

export interface TypingContext {
  sql: Sql
  limiter: Limiter
  fanout: () => FanoutDeps
}

/**
 * Tells the other members' connections (those who may hear of `userId`, see audience.ts) that `userId` started or
 * stopped typing. A frame over the limit is refused
 * with RateLimitedError, which the socket answers as every rate limit is answered, `retryAfterMs` included.
 */
export async function relayTyping(ctx: TypingContext, userId: string, frame: TypingAction): Promise<void> {
  const [others] = await Promise.all([
    typingAudience(ctx.sql, frame.conversationId, userId),
    ctx.limiter.consume(`${userId}:${frame.conversationId}`),
  ])
  const event = frames.typing({ conversationId: frame.conversationId, userId, state: frame.state })
  await deliverToUsers(ctx.fanout(), others, event)
}
