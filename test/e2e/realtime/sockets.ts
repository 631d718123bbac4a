// WebSocket clients for the realtime tests: connect with a token, await a frame that matches, with a bounded wait.
import WebSocket from 'ws'

export interface Frame {
  type: string
  [field: string]: unknown
}

export interface Device {
  socket: WebSocket
  /** Resolves with the first frame (already received or still to come) that matches, and takes it. */
  next(matches?: (frame: Frame) => boolean, timeoutMs?: number): Promise<Frame>
  /** Every frame received so far and not taken. */
  pending(): Frame[]
  /** Every frame received so far, taken or not, in order. */
  seen: Frame[]
  closed: Promise<{ code: number; reason: string }>
  close(): Promise<void>
}

export function connect(wsUrl: string, token: string): Promise<Device> {
  const socket = new WebSocket(`${wsUrl}/?token=${encodeURIComponent(token)}`)
  const frames: Frame[] = []
  const seen: Frame[] = []
  const waiters: { matches: (frame: Frame) => boolean; take: (frame: Frame) => void }[] = []
  socket.on('message', (data) => {
    const frame = JSON.parse(String(data)) as Frame
    seen.push(frame)
    const index = waiters.findIndex((waiter) => waiter.matches(frame))
    if (index < 0) return void frames.push(frame)
    const [waiter] = waiters.splice(index, 1)
    waiter?.take(frame)
  })
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  )
  const device: Device = {
    socket,
    closed,
    pending: () => [...frames],
    seen,
    next(matches = () => true, timeoutMs = 5000) {
      const index = frames.findIndex(matches)
      if (index >= 0) return Promise.resolve(frames.splice(index, 1)[0] as Frame)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1)
          reject(new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(frames)}`))
        }, timeoutMs)
        const waiter = {
          matches,
          take: (frame: Frame) => {
            clearTimeout(timer)
            resolve(frame)
          },
        }
        waiters.push(waiter)
      })
    },
    async close() {
      if (socket.readyState !== WebSocket.CLOSED) socket.close()
      await closed
    },
  }
  return new Promise((resolve, reject) => {
    socket.once('unexpected-response', (_request, response) => {
      socket.terminate()
      reject(
        Object.assign(new Error(`handshake refused with ${response.statusCode}`), {
          status: response.statusCode,
        }),
      )
    })
    socket.once('error', reject)
    socket.once('open', () => resolve(device))
  })
}

/** The HTTP status a refused handshake answered with. */
export async function refused(wsUrl: string, token: string): Promise<number> {
  try {
    await (await connect(wsUrl, token)).close()
  } catch (error) {
    return (error as { status?: number }).status ?? -1
  }
  throw new Error('the handshake was accepted')
}

export const presenceOf = (userId: string, status: 'online' | 'offline') => (frame: Frame) =>
  frame.type === 'presence' && frame.userId === userId && frame.status === status
