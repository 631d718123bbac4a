// The stores an HTTP handler reaches, as lazy getters: the real ones here, others in tests.
import type { Redis } from '@upstash/redis'
import type { Db } from 'mongodb'
import { verifyingKeys } from '../auth/keys.ts'
import { type Tokens, tokenSettings } from '../auth/tokens.ts'
import { mongoDb } from '../stores/mongo.ts'
import { postgresClient, type Sql } from '../stores/postgres.ts'
import { redisClient } from '../stores/redis.ts'

export interface HttpDeps {
  sql: () => Promise<Sql>
  mongo: () => Promise<Db>
  redis: () => Promise<Redis>
  tokens: () => Promise<Tokens>
}

export const storeDeps: HttpDeps = {
  sql: postgresClient,
  mongo: mongoDb,
  redis: redisClient,
  tokens: async () => ({ keys: await verifyingKeys(), settings: tokenSettings() }),
}
