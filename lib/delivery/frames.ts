// Sending frames to WebSocket connections through the @connections management API.
import type { ServerFrame } from '../protocol/ws.ts'
import type { ConnectionsApi } from '../stores/ws-management.ts'

/** A server -> client frame, as lib/protocol/ws.ts describes and builds it. */
export type Frame = ServerFrame

export type Delivery = 'sent' | 'gone'

const encoder = new TextEncoder()
const throttleRetries = 4

function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : undefined
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A frame as posted: serialised once, however many connections it goes to. */
export function encodeFrame(frame: Frame): Uint8Array {
  return encoder.encode(JSON.stringify(frame))
}

/**
 * Posts one encoded frame. A connection that is gone (410) answers 'gone' so the caller can forget it;
 * the account-wide throttle (LimitExceededException) is retried with jittered backoff.
 */
export async function postEncoded(
  client: ConnectionsApi,
  connectionId: string,
  data: Uint8Array,
): Promise<Delivery> {
  for (let attempt = 0; ; attempt++) {
    try {
      await client.post(connectionId, data)
      return 'sent'
    } catch (error) {
      const name = errorName(error)
      if (name === 'GoneException') return 'gone'
      if (name !== 'LimitExceededException' || attempt >= throttleRetries) throw error
      await sleep(50 * 2 ** attempt * (0.5 + Math.random()))
    }
  }
}

/** Posts one frame to one connection (see postEncoded). */
export function postFrame(client: ConnectionsApi, connectionId: string, frame: Frame): Promise<Delivery> {
  return postEncoded(client, connectionId, encodeFrame(frame))
}

/** Closes a connection from the server side; API Gateway then runs `$disconnect`. */
export async function closeConnection(client: ConnectionsApi, connectionId: string): Promise<Delivery> {
  try {
    await client.delete(connectionId)
    return 'sent'
  } catch (error) {
    if (errorName(error) === 'GoneException') return 'gone'
    throw error
  }
}
