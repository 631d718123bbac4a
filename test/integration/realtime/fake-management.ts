// A stand-in @connections client: records posts and deletes, answers 410 for connections it is told are gone.
import { type ConnectionsApi, ConnectionsApiError } from '../../../lib/stores/ws-management.ts'

export interface FakeManagement {
  client: ConnectionsApi
  /** Frames posted, by connection id, parsed. */
  posted: Map<string, unknown[]>
  deleted: string[]
  gone: Set<string>
  /** Posts that reached the client, 410s included. */
  attempts: number
  maxInFlight: number
}

const gone = (id: string) => new ConnectionsApiError('GoneException', 410, `${id} is gone`)

export function fakeManagement(options: { latencyMs?: number } = {}): FakeManagement {
  let inFlight = 0
  const call = async <T>(work: () => T): Promise<T> => {
    inFlight++
    fake.maxInFlight = Math.max(fake.maxInFlight, inFlight)
    try {
      await new Promise((resolve) => setTimeout(resolve, options.latencyMs ?? 0))
      return work()
    } finally {
      inFlight--
    }
  }
  const fake: FakeManagement = {
    client: {
      post: (connectionId, data) =>
        call(() => {
          fake.attempts++
          if (fake.gone.has(connectionId)) throw gone(connectionId)
          const frames = fake.posted.get(connectionId) ?? []
          frames.push(JSON.parse(Buffer.from(data).toString('utf8')))
          fake.posted.set(connectionId, frames)
        }),
      delete: (connectionId) =>
        call(() => {
          if (fake.gone.has(connectionId)) throw gone(connectionId)
          fake.deleted.push(connectionId)
        }),
    },
    posted: new Map(),
    deleted: [],
    gone: new Set(),
    attempts: 0,
    maxInFlight: 0,
  }
  return fake
}
