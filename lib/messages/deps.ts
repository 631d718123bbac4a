// The stores and services the messaging actions reach, as lazy getters: the real ones here, others in tests.
import type { Redis } from '@upstash/redis'
import type { Db } from 'mongodb'
import { type FanoutDeps, fanoutDeps } from '../delivery/fanout.ts'
import { createLimiter, type Limiter } from '../rate-limit/limiter.ts'
import { mongoDb } from '../stores/mongo.ts'
import { postgresClient, type Sql } from '../stores/postgres.ts'
import { redisClient } from '../stores/redis.ts'
import { storeFault } from './store.ts'

export interface MessagingDeps {
  sql: () => Promise<Sql>
  mongo: () => Promise<Db>
  redis: () => Promise<Redis>
  fanout: () => FanoutDeps
}

export const messagingDeps: MessagingDeps = {
  sql: postgresClient,
  mongo: mongoDb,
  redis: redisClient,
  fanout: fanoutDeps,
}

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
