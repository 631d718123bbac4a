// Deploy-time trigger: applies the schema migrations before the new functions take traffic.

import { logger } from '../../lib/log.ts'
import { migrate } from '../../lib/migrations/index.ts'
import { mongoDb } from '../../lib/stores/mongo.ts'
import { postgresClient } from '../../lib/stores/postgres.ts'

export const handler = async () =>
  migrate({ sql: await postgresClient(), db: await mongoDb(), log: (line) => logger.info(line) })
