// The stores and services the messaging actions reach, as lazy getters: the real ones here, others in tests.
import type { Redis } from '@upstash/redis'
import type { Db } from 'mongodb'
import { type LiveDeps, liveDeps } from '../conversations/live-deps.ts'
import { createLimiter, type Limiter } from '../rate-limit/limiter.ts'
import { mongoDb } from '../stores/mongo.ts'
import type { Sql } from '../stores/postgres.ts'
import { storeFault } from './store.ts'

export interface MessagingDeps extends LiveDeps {
  mongo: () => Promise<Db>
}

export const messagingDeps: MessagingDeps = { ...liveDeps, mongo: mongoDb }

/** Messages one user may send, over HTTP and WebSocket together: bursts pass, a flood does not. */
export const sendRule = { name: 'messages', limit: 100, window: '10 s' } as const

export function sendLimiter(redis: () => Promise<Redis>): Limiter {
  return createLimiter(redis, sendRule)
}

/** PostgreSQL and MongoDB at once; MongoDB out of reach at connection time is the same fault as later on. */
export async function messageStores(
  deps: Pick<MessagingDeps, 'sql' | 'mongo'>,
): Promise<{ sql: Sql; mongo: Db }> {
  const [sql, mongo] = await Promise.all([
    deps.sql(),
    deps.mongo().catch((error: unknown) => {
      throw storeFault(error)
    }),
  ])
  return { sql, mongo }
}
