// A stand-in @connections client: records posts and deletes, answers 410 for connections it is told are gone.
import {
  type ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi'

export interface FakeManagement {
  client: ApiGatewayManagementApiClient
  /** Frames posted, by connection id, parsed. */
  posted: Map<string, unknown[]>
  deleted: string[]
  gone: Set<string>
  /** Posts that reached the client, 410s included. */
  attempts: number
  maxInFlight: number
}

const gone = (id: string) =>
  new GoneException({ message: `${id} is gone`, $metadata: { httpStatusCode: 410 } })

export function fakeManagement(options: { latencyMs?: number } = {}): FakeManagement {
  const fake: FakeManagement = {
    client: undefined as unknown as ApiGatewayManagementApiClient,
    posted: new Map(),
    deleted: [],
    gone: new Set(),
    attempts: 0,
    maxInFlight: 0,
  }
  let inFlight = 0
  const send = async (command: unknown) => {
    inFlight++
    fake.maxInFlight = Math.max(fake.maxInFlight, inFlight)
    try {
      await new Promise((resolve) => setTimeout(resolve, options.latencyMs ?? 0))
      if (command instanceof PostToConnectionCommand) {
        const id = command.input.ConnectionId ?? ''
        fake.attempts++
        if (fake.gone.has(id)) throw gone(id)
        const frames = fake.posted.get(id) ?? []
        frames.push(JSON.parse(Buffer.from(command.input.Data as Uint8Array).toString('utf8')))
        fake.posted.set(id, frames)
        return {}
      }
      if (command instanceof DeleteConnectionCommand) {
        const id = command.input.ConnectionId ?? ''
        if (fake.gone.has(id)) throw gone(id)
        fake.deleted.push(id)
        return {}
      }
      throw new Error('unexpected command')
    } finally {
      inFlight--
    }
  }
  fake.client = { send } as unknown as ApiGatewayManagementApiClient
  return fake
}
