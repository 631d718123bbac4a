// The WebSocket actions of messaging: each reads its frame, runs the domain call for the connection's user.
import { acknowledgeDelivery, announceDelivery } from '../conversations/delivery-markers.ts'
import { announceRead, markRead } from '../conversations/read-markers.ts'
import { relayTyping } from '../conversations/typing.ts'
import {
  ackDeliveryAction as ackDeliveryFrame,
  frames,
  markReadAction as markReadFrame,
  sendMessageAction as sendMessageFrame,
  typingAction as typingFrame,
} from '../protocol/ws.ts'
import type { Limiter } from '../rate-limit/limiter.ts'
import type { WsRoute } from '../ws/handler.ts'
import { type MessagingDeps, messageStores } from './deps.ts'
import { parseFrame } from './frame-input.ts'
import { sendMessage } from './send.ts'
import type { SendingDeps } from './sending-deps.ts'

/**
 * The sender's limit, answered only once the connection's frame is admitted too: the limit is checked in the
 * first store round trip, before anything is written, so the admission rides in that round trip for free.
 */
function afterAdmission(limiter: Limiter, admitted: Promise<void>): Limiter {
  return {
    consume: async (identifier) => (await Promise.all([limiter.consume(identifier), admitted]))[0],
    ensureRemaining: async (identifier) => {
      await Promise.all([limiter.ensureRemaining(identifier), admitted])
    },
  }
}

export function sendMessageAction(deps: SendingDeps, limiter: Limiter): WsRoute {
  return async (event, socket) => {
    const { action: _, conversationId, toUserId, ...input } = parseFrame(event, sendMessageFrame)
    const to = toUserId !== undefined ? { toUserId } : { conversationId: conversationId as string }
    const stores = await messageStores(deps)
    const admittedLimiter = afterAdmission(limiter, socket.admitted)
    await sendMessage({ ...deps, ...stores, limiter: admittedLimiter }, socket.userId, to, input, {
      exceptConnectionId: socket.connectionId,
      acknowledge: (sent) => socket.reply(frames.messageAck(input.clientMsgId, sent.message)),
    })
  }
}

export function typingAction(deps: MessagingDeps, limiter: Limiter): WsRoute {
  return async (event, socket) => {
    const frame = parseFrame(event, typingFrame)
    const admittedLimiter = afterAdmission(limiter, socket.admitted)
    await relayTyping(
      { sql: await deps.sql(), limiter: admittedLimiter, fanout: deps.fanout },
      socket.userId,
      frame,
    )
  }
}

export function markReadAction(deps: MessagingDeps): WsRoute {
  return async (event, socket) => {
    const frame = parseFrame(event, markReadFrame)
    // Moving the marker is the first thing this route does, so it waits for the admission first.
    await socket.admitted
    const marker = await markRead(await deps.sql(), socket.userId, frame.conversationId, frame.seq)
    await announceRead(deps.fanout, marker, socket.connectionId)
  }
}

/** A device says it has received everything up to `seq`; the senders of what that newly covers get `delivered`. */
export function ackDeliveryAction(deps: MessagingDeps): WsRoute {
  return async (event, socket) => {
    const frame = parseFrame(event, ackDeliveryFrame)
    await socket.admitted
    const marker = await acknowledgeDelivery(await deps.sql(), socket.userId, frame.conversationId, frame.seq)
    await announceDelivery(deps.fanout, marker)
  }
}
