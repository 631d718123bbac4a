// Store reachability for GET /health: each store is probed concurrently with its own deadline.

export type StoreName = 'postgres' | 'mongo' | 'redis' | 'dynamodb' | 's3' | 'sqs'

/** A probe resolves when its store answered and rejects otherwise. */
export type Probe = () => Promise<unknown>

export interface StoreStatus {
  status: 'up' | 'down'
  latencyMs: number
  error?: string
}

export interface HealthReport {
  status: 'ok' | 'degraded'
  stores: Record<string, StoreStatus>
}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)
  })
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer))
}

/** Only the error's class reaches the report: messages can carry hosts or credentials. */
function describe(error: unknown): string {
  if (error instanceof Error && error.message.startsWith('no answer within')) return error.message
  return error instanceof Error ? error.name : 'unknown error'
}

export async function checkStores(probes: Record<string, Probe>, deadlineMs = 2_000): Promise<HealthReport> {
  const entries = await Promise.all(
    Object.entries(probes).map(async ([name, probe]): Promise<[string, StoreStatus]> => {
      const started = performance.now()
      try {
        await withDeadline(probe(), deadlineMs)
        return [name, { status: 'up', latencyMs: Math.round(performance.now() - started) }]
      } catch (error) {
        return [
          name,
          { status: 'down', latencyMs: Math.round(performance.now() - started), error: describe(error) },
        ]
      }
    }),
  )
  const stores = Object.fromEntries(entries)
  const status = entries.every(([, store]) => store.status === 'up') ? 'ok' : 'degraded'
  return { status, stores }
}
