// The stores the conversations' live actions (typing, markRead) reach, as lazy getters: no MongoDB, S3 or SQS, so
// their functions bundle none of those clients.
import type { Redis } from '@upstash/redis'
import { type FanoutDeps, fanoutDeps } from '../delivery/fanout.ts'
import { postgresClient, type Sql } from '../stores/postgres.ts'
import { redisClient } from '../stores/redis.ts'

export interface LiveDeps {
  sql: () => Promise<Sql>
  redis: () => Promise<Redis>
  fanout: () => FanoutDeps
}

export const liveDeps: LiveDeps = {
  sql: postgresClient,
  redis: redisClient,
  fanout: fanoutDeps,
}
