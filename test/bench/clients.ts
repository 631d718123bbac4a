// The WebSocket clients of the bench, one connection per user, the same code whichever server they talk to.
import { randomBytes } from 'node:crypto'
import WebSocket from 'ws'
import type { Ledger, ServerFrame } from './ledger.ts'
import type { Person, Target } from './target.ts'

export interface Client {
  user: Person
  /** Milliseconds from opening the socket to the server accepting it (authorizer and $connect included). */
  openMs: number
  /** Sends a message to the conversation; the ledger expects it at `recipients`. Returns its clientMsgId. */
  send(conversationId: string, recipients: readonly Client[]): string
  /** A ping; true once its pong comes, false if none came within `timeoutMs`. */
  ping(timeoutMs: number): Promise<boolean>
  close(): Promise<void>
}

/** Unique per bench run, so no frame of one scenario is mistaken for another's. */
const runTag = randomBytes(4).toString('hex')
let sequence = 0

export async function connect(target: Target, user: Person, ledger: Ledger): Promise<Client> {
  const started = performance.now()
  const socket = new WebSocket(`${target.wsUrl}/?token=${encodeURIComponent(user.token)}`)
  await new Promise((done, fail) => socket.once('open', done).once('error', fail))
  const openMs = performance.now() - started
  const pongs: (() => void)[] = []
  socket.on('message', (data) => {
    const at = performance.now()
    const frame = JSON.parse(String(data)) as ServerFrame
    if (frame.type === 'pong') pongs.shift()?.()
    else ledger.receive(user.id, frame, at)
  })
  return {
    user,
    openMs,
    send(conversationId, recipients) {
      const clientMsgId = `${runTag}-${++sequence}`
      ledger.expect(
        clientMsgId,
        recipients.map((recipient) => recipient.user.id),
      )
      socket.send(
        JSON.stringify({ action: 'sendMessage', conversationId, clientMsgId, body: `bench ${sequence}` }),
      )
      return clientMsgId
    },
    ping(timeoutMs) {
      return new Promise<boolean>((done) => {
        const answered = () => {
          clearTimeout(timer)
          done(true)
        }
        const timer = setTimeout(() => {
          pongs.splice(pongs.indexOf(answered), 1)
          done(false)
        }, timeoutMs)
        pongs.push(answered)
        socket.send('{"action":"ping"}')
      })
    },
    async close() {
      if (socket.readyState === WebSocket.CLOSED) return
      const closed = new Promise((done) => socket.once('close', done))
      socket.close()
      await closed
    },
  }
}

/**
 * One at a time: a connection still inside its $connect answers 410 to a friend's presence frame, and the service
 * then forgets the fresh connection, so friends connecting at once would lose deliveries.
 */
export async function connectAll(
  target: Target,
  users: readonly Person[],
  ledger: Ledger,
): Promise<Client[]> {
  const clients: Client[] = []
  try {
    for (const user of users) clients.push(await connect(target, user, ledger))
  } catch (error) {
    await closeAll(clients)
    throw error
  }
  return clients
}

export async function closeAll(clients: readonly Client[]): Promise<void> {
  await Promise.all(clients.map((client) => client.close()))
}

/** Everyone in the room but the sender: those due a message.new. */
export const othersIn = (room: readonly Client[], sender: Client) =>
  room.filter((client) => client !== sender)
