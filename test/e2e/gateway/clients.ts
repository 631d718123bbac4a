// A WebSocket client for the tests: opening (or seeing the handshake refused), reading frames in order, closing.
import WebSocket from 'ws'

export interface Client {
  socket: WebSocket
  /** The next text frame not yet taken, as sent. */
  nextFrame(): Promise<string>
  /** The code and reason the connection closed with. */
  closed: Promise<{ code: number; reason: string }>
}

/** Opens a connection; rejects with the HTTP status when the handshake is refused. */
export function openClient(url: string, protocols?: string[]): Promise<Client> {
  const socket = new WebSocket(url, protocols)
  const frames: string[] = []
  const waiting: ((frame: string) => void)[] = []
  socket.on('message', (data) => {
    const frame = String(data)
    const taker = waiting.shift()
    if (taker) taker(frame)
    else frames.push(frame)
  })
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  )
  return new Promise((resolve, reject) => {
    socket.once('unexpected-response', (_request, response) => {
      reject(
        Object.assign(new Error(`handshake refused with ${response.statusCode}`), {
          status: response.statusCode,
        }),
      )
      socket.terminate()
    })
    socket.once('error', reject)
    socket.once('open', () =>
      resolve({
        socket,
        closed,
        nextFrame: () => {
          const frame = frames.shift()
          return frame !== undefined ? Promise.resolve(frame) : new Promise((take) => waiting.push(take))
        },
      }),
    )
  })
}

/** The status a refused handshake answered with. */
export async function refusal(url: string): Promise<number> {
  try {
    const client = await openClient(url)
    client.socket.close()
  } catch (error) {
    return (error as { status?: number }).status ?? -1
  }
  throw new Error(`the handshake to ${url} was accepted`)
}
