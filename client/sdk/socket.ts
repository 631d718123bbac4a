// The WebSocket half of the SDK: reconnects with jittered back-off, keeps the connection alive, resends unacked
// messages by their clientMsgId until acked, and resumes from its sync cursor after every gap, so each event arrives
// once, in order.
import type { Message } from '../../lib/protocol/messages.ts'
import type {
  ClientAction,
  ServerFrame,
  ServerFrameOf,
  ServerFrameType,
  SyncedFrame,
} from '../../lib/protocol/ws.ts'
import { DeliveredEvents, eventOf, inEventOrder, isSynced } from './events.ts'
import { ApiError, type HttpClient } from './http.ts'

/** What the SDK needs of a WebSocket: the browser's, or the `ws` package's in Node. */
export interface SocketLike {
  readonly readyState: number
  send(data: string): void
  close(): void
  onopen: ((event: unknown) => void) | null
  onclose: ((event: unknown) => void) | null
  onerror: ((event: unknown) => void) | null
  onmessage: ((event: { data: unknown }) => void) | null
}

export interface ChatSocketOptions {
  /** The WebSocket API's URL, e.g. `ws://127.0.0.1:3001`. */
  url: string
  http: HttpClient
  /** Opens a socket; the global WebSocket unless given (Node 20 has none: pass the `ws` package's). */
  open?: (url: string) => SocketLike
  /** A ping this often while connected; a connection that answers nothing within `heartbeatTimeoutMs` is dropped. */
  heartbeatMs?: number
  heartbeatTimeoutMs?: number
  /** Reconnect delays: exponential from `minMs` to `maxMs`, each drawn at random from its upper half ("equal jitter"). */
  backoff?: { minMs: number; maxMs: number }
  /** The sync cursor to resume from, kept by the app across restarts (see the `cursor` event); none: from now. */
  cursor?: string
}

export type SendInput = ({ conversationId: string } | { toUserId: string }) & {
  body?: string
  attachments?: { key: string }[]
  clientMsgId?: string
}

type FrameHandlers = { [T in ServerFrameType]: (frame: ServerFrameOf<T>) => void }
export interface Events extends FrameHandlers {
  /** Every message of every conversation the client has seen, once each, in seq order per conversation. */
  messageReceived: (message: Message) => void
  connected: () => void
  disconnected: () => void
  /** A send the service refused for good (not a retryable failure): it leaves the outbox. */
  sendFailed: (clientMsgId: string, error: ServerFrameOf<'error'>) => void
  /** The sync cursor moved: keep it (with the session) to resume from after a restart. */
  cursor: (cursor: string) => void
  /**
   * The cursor was refused (`cursor_expired`: older than the retention period, or not issued by this service):
   * what happened since it cannot be replayed. Read conversations and history again; the socket goes on from now.
   */
  resync: (error: ServerFrameOf<'error'>) => void
}

interface Pending {
  frame: Extract<ClientAction, { action: 'sendMessage' }>
  resolve: (message: Message) => void
  reject: (error: Error) => void
  /** The connection it was last sent on: each connection sends it once. */
  sentOn: number
}

/** Failures that a later retry may get past; any other refusal is final. */
const retryable = new Set(['rate_limited', 'unavailable', 'internal'])
const open = 1

let counter = 0
const newClientMsgId = () =>
  `sdk-${Date.now().toString(36)}-${(counter++).toString(36)}-${Math.random().toString(36).slice(2, 8)}`

export class ChatSocket {
  private socket: SocketLike | undefined
  private connection = 0
  private attempts = 0
  private wanted = false
  private retryTimer: ReturnType<typeof setTimeout> | undefined
  private heartbeat: ReturnType<typeof setInterval> | undefined
  private lastHeard = 0
  private readonly outbox = new Map<string, Pending>()
  private readonly handlers = new Map<keyof Events, Set<(...args: never[]) => void>>()
  /** Highest seq delivered per conversation, and the chain that keeps each conversation's deliveries in order. */
  private readonly lastSeq = new Map<string, number>()
  private readonly delivering = new Map<string, Promise<void>>()
  private syncCursor: string | undefined
  private readonly delivered = new DeliveredEvents()
  /** A catch-up under way on this connection: the cursor it asked from, and the synced frames held until it ends. */
  private resuming: { connection: number; from: string; held: SyncedFrame[] } | undefined

  constructor(private readonly options: ChatSocketOptions) {
    this.syncCursor = options.cursor
  }

  on<E extends keyof Events>(event: E, handler: Events[E]): () => void {
    const set = this.handlers.get(event) ?? new Set()
    set.add(handler as (...args: never[]) => void)
    this.handlers.set(event, set)
    return () => set.delete(handler as (...args: never[]) => void)
  }

  get connected(): boolean {
    return this.socket?.readyState === open
  }

  /** Where a resume would continue from: the latest cursor received, in a frame or a catch-up's end. */
  get cursor(): string | undefined {
    return this.syncCursor
  }

  /** Messages not yet acked, by clientMsgId. */
  get unacked(): string[] {
    return [...this.outbox.keys()]
  }

  /** Starts connecting, and keeps reconnecting until `disconnect`. */
  connect(): void {
    this.wanted = true
    if (!this.socket && !this.retryTimer) void this.openSocket()
  }

  disconnect(): void {
    this.wanted = false
    clearTimeout(this.retryTimer)
    this.retryTimer = undefined
    this.socket?.close()
  }

  /** Marks where a conversation's history stands, so a later gap is filled from there (after a history read). */
  seen(conversationId: string, seq: number): void {
    if (seq > (this.lastSeq.get(conversationId) ?? -1)) this.lastSeq.set(conversationId, seq)
  }

  /** Sends a message; resolves with it once stored, retrying across reconnects with the same clientMsgId. */
  sendMessage(input: SendInput): Promise<Message> {
    const clientMsgId = input.clientMsgId ?? newClientMsgId()
    const frame = { ...input, action: 'sendMessage', clientMsgId } as Pending['frame']
    return new Promise((resolve, reject) => {
      this.outbox.set(clientMsgId, { frame, resolve, reject, sentOn: -1 })
      this.flush()
    })
  }

  /** Typing and read markers: sent now if connected, else dropped (they are only worth anything now). */
  send(frame: Exclude<ClientAction, { action: 'sendMessage' }>): boolean {
    if (!this.connected) return false
    this.socket?.send(JSON.stringify(frame))
    return true
  }

  private emit<E extends keyof Events>(event: E, ...args: Parameters<Events[E]>): void {
    for (const handler of this.handlers.get(event) ?? [])
      (handler as (...a: Parameters<Events[E]>) => void)(...args)
  }

  private async openSocket(): Promise<void> {
    this.retryTimer = undefined
    if (!this.wanted) return
    let token: string
    try {
      token = await this.options.http.accessToken()
    } catch (error) {
      // Signed out for good: nothing to reconnect with.
      if (error instanceof ApiError && error.status === 401) this.wanted = false
      else this.scheduleReconnect()
      return
    }
    const url = `${this.options.url.replace(/\/$/, '')}/?token=${encodeURIComponent(token)}`
    const socket = (this.options.open ?? ((address) => new WebSocket(address) as unknown as SocketLike))(url)
    this.socket = socket
    const connection = ++this.connection
    socket.onopen = () => {
      this.attempts = 0
      this.lastHeard = Date.now()
      this.startHeartbeat()
      this.emit('connected')
      this.flush()
      void this.startSync(connection)
    }
    socket.onmessage = (event) => {
      this.lastHeard = Date.now()
      this.receive(String(event.data))
    }
    socket.onerror = () => {}
    socket.onclose = () => {
      if (this.socket !== socket || connection !== this.connection) return
      this.socket = undefined
      // A catch-up cut short is asked again from its first cursor: nothing held was handed over, nothing lost.
      this.resuming = undefined
      clearInterval(this.heartbeat)
      this.emit('disconnected')
      this.scheduleReconnect()
    }
  }

  private scheduleReconnect(): void {
    if (!this.wanted || this.retryTimer) return
    const { minMs, maxMs } = this.options.backoff ?? { minMs: 500, maxMs: 15_000 }
    const ceiling = Math.min(maxMs, minMs * 2 ** this.attempts++)
    this.retryTimer = setTimeout(() => void this.openSocket(), ceiling / 2 + (Math.random() * ceiling) / 2)
  }

  private startHeartbeat(): void {
    clearInterval(this.heartbeat)
    const every = this.options.heartbeatMs ?? 30_000
    const timeout = this.options.heartbeatTimeoutMs ?? 10_000
    this.heartbeat = setInterval(() => {
      // Nothing heard since the last ping was answered: the connection is dead even if no close came.
      if (Date.now() - this.lastHeard > every + timeout) return this.socket?.close()
      this.send({ action: 'ping' })
    }, every)
  }

  /** Sends each unacked message once on the current connection. */
  private flush(): void {
    if (!this.connected) return
    for (const pending of this.outbox.values()) {
      if (pending.sentOn === this.connection) continue
      pending.sentOn = this.connection
      this.socket?.send(JSON.stringify(pending.frame))
    }
  }

  private receive(text: string): void {
    let frame: ServerFrame
    try {
      frame = JSON.parse(text) as ServerFrame
    } catch {
      return
    }
    if (isSynced(frame)) {
      if (this.resuming) this.resuming.held.push(frame)
      else this.receiveSynced(frame)
      return
    }
    if (frame.type === 'resumed') this.resumed(frame)
    else if (frame.type === 'error' && frame.action === 'resume') this.resumeRefused(frame)
    else if (frame.type === 'message.ack') {
      const pending = this.outbox.get(frame.clientMsgId)
      this.outbox.delete(frame.clientMsgId)
      pending?.resolve(frame.message)
      this.deliver(frame.message)
    } else if (frame.type === 'error' && frame.clientMsgId) this.refused(frame.clientMsgId, frame)
    this.emitFrame(frame)
  }

  private receiveSynced(frame: SyncedFrame): void {
    if (frame.cursor !== undefined) this.moveCursor(frame.cursor)
    this.apply(frame)
  }

  private emitFrame(frame: ServerFrame): void {
    ;(this.emit as (event: string, frame: ServerFrame) => void)(frame.type, frame)
  }

  /** Hands a synced frame to the app, unless its conversation event was handed over before. */
  private apply(frame: SyncedFrame): void {
    const place = eventOf(frame)
    if (place && !this.delivered.add(place.conversationId, place.event)) return
    if (frame.type === 'message.new') this.deliver(frame.message)
    this.emitFrame(frame)
  }

  private moveCursor(cursor: string): void {
    if (cursor === this.syncCursor) return
    this.syncCursor = cursor
    this.emit('cursor', cursor)
  }

  /** On each connection: resume from the cursor, or with none take the cursor of now. */
  private async startSync(connection: number): Promise<void> {
    if (this.syncCursor !== undefined) return this.resume(connection, this.syncCursor)
    await this.takeCursorOfNow()
  }

  /** Nothing to catch up on: the socket's events start now (a frame received meanwhile already set one). */
  private async takeCursorOfNow(): Promise<void> {
    try {
      const page = await this.options.http.sync()
      if (this.syncCursor === undefined) this.moveCursor(page.cursor)
    } catch {
      // The next connection asks again; until then live frames set the cursor.
    }
  }

  /**
   * Asks for the events since `from`. Synced frames are held until the catch-up ends, live ones among them (the
   * connection is live all along), then handed over in event order with those already delivered dropped.
   */
  private resume(connection: number, from: string): void {
    if (connection !== this.connection) return
    const held = this.resuming?.held ?? []
    this.resuming = { connection, from, held }
    if (!this.send({ action: 'resume', cursor: from })) this.resuming = undefined
  }

  private resumed(frame: ServerFrameOf<'resumed'>): void {
    const resuming = this.resuming
    if (!resuming) return
    if (frame.hasMore) {
      this.resume(resuming.connection, frame.cursor)
      return
    }
    this.resuming = undefined
    for (const held of inEventOrder(resuming.held)) this.apply(held)
    this.moveCursor(frame.cursor)
  }

  /** A resume refused: retried when the refusal is passing, else the cursor is unusable and the app resyncs. */
  private resumeRefused(error: ServerFrameOf<'error'>): void {
    const resuming = this.resuming
    if (!resuming) return
    if (retryable.has(error.code)) {
      setTimeout(() => this.resume(resuming.connection, resuming.from), error.retryAfterMs ?? 1000)
      return
    }
    this.resuming = undefined
    // Live frames held meanwhile are real; what the cursor would have replayed is lost.
    for (const held of inEventOrder(resuming.held)) this.apply(held)
    this.syncCursor = undefined
    this.emit('resync', error)
    void this.takeCursorOfNow().then(() => this.catchUp())
  }

  private refused(clientMsgId: string, error: ServerFrameOf<'error'>): void {
    const pending = this.outbox.get(clientMsgId)
    if (!pending) return
    if (retryable.has(error.code)) {
      // Sent again after the wait, on this connection or the next.
      pending.sentOn = -1
      setTimeout(() => this.flush(), error.retryAfterMs ?? 1000)
      return
    }
    this.outbox.delete(clientMsgId)
    pending.reject(new Error(`${error.code}: ${error.message}`))
    this.emit('sendFailed', clientMsgId, error)
  }

  /** Queues a message behind its conversation's earlier deliveries; a jump in seq first reads what was missed. */
  private deliver(message: Message): void {
    const id = message.conversationId
    const previous = this.delivering.get(id) ?? Promise.resolve()
    const next = previous.then(async () => {
      const last = this.lastSeq.get(id)
      if (last !== undefined && message.seq <= last) return
      if (last !== undefined && message.seq > last + 1) await this.fill(id, last, message.seq)
      this.seen(id, message.seq)
      this.emit('messageReceived', message)
    })
    this.delivering.set(
      id,
      next.catch(() => {}),
    )
  }

  /** Reads and delivers the messages after `after` (and below `before`, when given), page by page. */
  private async fill(conversationId: string, after: number, before?: number): Promise<void> {
    let cursor: string | undefined
    do {
      const page = await this.options.http.call('GET /conversations/{id}/messages', {
        path: { id: conversationId },
        query: cursor
          ? { cursor, limit: 100 }
          : { after, ...(before !== undefined && { before }), limit: 100 },
      })
      for (const message of page.items) {
        if (message.seq <= (this.lastSeq.get(conversationId) ?? -1)) continue
        this.seen(conversationId, message.seq)
        this.emit('messageReceived', message)
      }
      cursor = page.nextCursor ?? undefined
    } while (cursor)
  }

  /**
   * After a refused cursor: the messages each conversation seen so far gained since, from history, so
   * `messageReceived` stays without a gap (edits, deletes and reactions the app reads again itself).
   */
  private async catchUp(): Promise<void> {
    for (const conversationId of this.lastSeq.keys()) {
      const previous = this.delivering.get(conversationId) ?? Promise.resolve()
      const next = previous.then(() => this.fill(conversationId, this.lastSeq.get(conversationId) ?? 0))
      this.delivering.set(
        conversationId,
        next.catch(() => {}),
      )
    }
  }
}
