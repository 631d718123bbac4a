// The stores every HTTP handler reaches, as lazy getters: the real ones here, others in tests. MongoDB is added by
// lib/http/mongo-deps.ts, so the functions that never reach it do not bundle its driver.
import type { Redis } from '@upstash/redis'
import { verifyingKeys } from '../auth/keys.ts'
import { type Tokens, tokenSettings } from '../auth/tokens.ts'
import { postgresClient, type Sql } from '../stores/postgres.ts'
import { redisClient } from '../stores/redis.ts'

export interface HttpDeps {
  sql: () => Promise<Sql>
  redis: () => Promise<Redis>
  tokens: () => Promise<Tokens>
}

export const storeDeps: HttpDeps = {
  sql: postgresClient,
  redis: redisClient,
  tokens: async () => ({ keys: await verifyingKeys(), settings: tokenSettings() }),
}
