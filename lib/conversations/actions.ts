// The conversations' live WebSocket actions, typing, markRead and ackDelivery: each reads its frame, runs the domain call for the
// connection's user. Apart from sendMessage, so their functions bundle no MongoDB, S3 or SQS client.
import { parseFrame } from '../messages/frame-input.ts'
import {
  ackDeliveryAction as ackDeliveryFrame,
  markReadAction as markReadFrame,
  typingAction as typingFrame,
} from '../protocol/ws.ts'
import type { Limiter } from '../rate-limit/limiter.ts'
import { afterAdmission } from '../ws/admission.ts'
import type { WsRoute } from '../ws/handler.ts'
import { acknowledgeDelivery, announceDelivery } from './delivery-markers.ts'
import type { LiveDeps } from './live-deps.ts'
import { announceRead, markRead } from './read-markers.ts'
import { relayTyping } from './typing.ts'

export function typingAction(deps: LiveDeps, limiter: Limiter): WsRoute {
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

export function markReadAction(deps: LiveDeps): WsRoute {
  return async (event, socket) => {
    const frame = parseFrame(event, markReadFrame)
    // Moving the marker is the first thing this route does, so it waits for the admission first.
    await socket.admitted
    const marker = await markRead(await deps.sql(), socket.userId, frame.conversationId, frame.seq)
    await announceRead(deps.fanout, marker, socket.connectionId)
  }
}

/** A device says it has received everything up to `seq`; the senders of what that newly covers get `delivered`. */
export function ackDeliveryAction(deps: LiveDeps): WsRoute {
  return async (event, socket) => {
    const frame = parseFrame(event, ackDeliveryFrame)
    await socket.admitted
    const marker = await acknowledgeDelivery(await deps.sql(), socket.userId, frame.conversationId, frame.seq)
    await announceDelivery(deps.fanout, marker)
  }
}
