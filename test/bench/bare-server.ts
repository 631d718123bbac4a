// The floor the service is measured against: a bare `ws` server that trusts every connection, keeps rooms and their
// history in memory, acks a sendMessage and broadcasts it to the room, in the service's own frame shapes.
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type WebSocket from 'ws'
import { WebSocketServer } from 'ws'
import { answerBenchRequests } from './child.ts'

interface Message {
  id: string
  conversationId: string
  seq: number
  senderId: string
  clientMsgId: string
  body: string
  attachments: []
  createdAt: string
}

interface Room {
  members: Set<string>
  history: Message[]
}

const rooms = new Map<string, Room>()
const socketsOf = new Map<string, Set<WebSocket>>()

function message(room: Room, fields: Omit<Message, 'id' | 'seq' | 'attachments' | 'createdAt'>): Message {
  const stored = {
    id: randomUUID(),
    seq: room.history.length + 1,
    ...fields,
    attachments: [] as [],
    createdAt: new Date().toISOString(),
  }
  room.history.push(stored)
  return stored
}

function errorFrame(code: string, text: string, frame: { action?: unknown; clientMsgId?: unknown } = {}) {
  return JSON.stringify({
    type: 'error',
    code,
    message: text,
    action: frame.action,
    clientMsgId: frame.clientMsgId,
  })
}

function onFrame(socket: WebSocket, userId: string, data: WebSocket.RawData) {
  let frame: { action?: unknown; conversationId?: unknown; clientMsgId?: unknown; body?: unknown }
  try {
    frame = JSON.parse(String(data))
  } catch {
    socket.send(errorFrame('invalid_frame', 'A frame is a JSON object.'))
    return
  }
  if (frame.action === 'ping') {
    socket.send('{"type":"pong"}')
    return
  }
  if (frame.action !== 'sendMessage') {
    socket.send(errorFrame('unknown_action', 'No such action.', frame))
    return
  }
  const room = rooms.get(String(frame.conversationId))
  if (!room?.members.has(userId)) {
    socket.send(errorFrame('forbidden', 'Not a member of this conversation.', frame))
    return
  }
  const sent = message(room, {
    conversationId: String(frame.conversationId),
    senderId: userId,
    clientMsgId: String(frame.clientMsgId),
    body: String(frame.body),
  })
  socket.send(JSON.stringify({ type: 'message.ack', clientMsgId: sent.clientMsgId, message: sent }))
  const broadcast = JSON.stringify({ type: 'message.new', message: sent })
  for (const member of room.members)
    for (const other of socketsOf.get(member) ?? []) if (other !== socket) other.send(broadcast)
}

/** GET /conversations/{id}/messages?limit=: the newest page, oldest first, as the service answers it. */
function onRequest(request: IncomingMessage, response: ServerResponse) {
  const url = new URL(request.url ?? '/', 'http://bare')
  const room = rooms.get(/^\/conversations\/([^/]+)\/messages$/.exec(url.pathname)?.[1] ?? '')
  if (request.method !== 'GET' || !room) {
    response.writeHead(404).end()
    return
  }
  const limit = Number(url.searchParams.get('limit') ?? 50)
  const items = room.history.slice(-limit)
  const nextCursor = room.history.length > limit ? String(items[0]?.seq) : null
  response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items, nextCursor }))
}

const server = createServer(onRequest)
new WebSocketServer({ server }).on('connection', (socket, request) => {
  const userId = new URL(request.url ?? '/', 'http://bare').searchParams.get('token') ?? ''
  const sockets = socketsOf.get(userId) ?? new Set()
  socketsOf.set(userId, sockets.add(socket))
  socket.on('message', (data) => onFrame(socket, userId, data))
  socket.on('close', () => sockets.delete(socket))
})

answerBenchRequests((request) => {
  if (request.room) {
    const { id, memberIds } = request.room as { id: string; memberIds: string[] }
    rooms.set(id, { members: new Set(memberIds), history: [] })
    return null
  }
  if (request.history) {
    const { conversationId, senderId, depth } = request.history as {
      conversationId: string
      senderId: string
      depth: number
    }
    const room = rooms.get(conversationId) as Room
    for (let seq = room.history.length + 1; seq <= depth; seq++)
      message(room, { conversationId, senderId, clientMsgId: `seed-${seq}`, body: 'seeded history' })
    return null
  }
  throw new Error('unknown request')
})

server.listen(Number(process.env.BENCH_BARE_PORT ?? 0), '127.0.0.1', () => {
  const address = server.address()
  process.send?.({ bareListening: typeof address === 'object' ? address?.port : undefined })
})
