// Deploy-time trigger: applies the schema migrations before the new functions take traffic.

import { logger } from '../../lib/log.ts'
import { migrate } from '../../lib/migrations/index.ts'

export const handler = async () => migrate({ log: (line) => logger.info(line) })
