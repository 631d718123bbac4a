// GET /health: 200 when every store answers, 503 naming the ones that do not.
import { storeProbes } from '../../lib/health/probes.ts'
import { checkStores, type Probe } from '../../lib/health/stores.ts'
import { httpHandler, json } from '../../lib/http/stack.ts'

export function createHealthHandler(probes: () => Record<string, Probe>) {
  return httpHandler(async () => {
    const report = await checkStores(probes())
    return json(report.status === 'ok' ? 200 : 503, report, { 'cache-control': 'no-store' })
  })
}

export const handler = createHealthHandler(storeProbes)
