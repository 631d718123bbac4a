// resume action: every event since the client's cursor, as frames on its connection, then `resumed`.
import type { Redis } from '@upstash/redis'
import { mongoDb } from '../../lib/stores/mongo.ts'
import { postgresClient } from '../../lib/stores/postgres.ts'
import { redisClient } from '../../lib/stores/redis.ts'
import { type ConnectionsApi, wsManagementClient } from '../../lib/stores/ws-management.ts'
import { resumeAction } from '../../lib/sync/actions.ts'
import type { SyncDeps } from '../../lib/sync/deps.ts'
import { wsHandler } from '../../lib/ws/handler.ts'

export interface ResumeDeps extends SyncDeps {
  redis: () => Promise<Redis>
  management: () => ConnectionsApi
}

export function createResumeHandler(deps: ResumeDeps) {
  return wsHandler(deps.management, resumeAction(deps), { redis: deps.redis })
}

export const handler = createResumeHandler({
  sql: postgresClient,
  mongo: mongoDb,
  redis: redisClient,
  management: wsManagementClient,
})
