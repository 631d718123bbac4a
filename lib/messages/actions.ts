// The sendMessage WebSocket action: reads its frame, sends for the connection's user, acks on the connection.
import type { Limiter } from '../rate-limit/limiter.ts'
import { afterAdmission } from '../ws/admission.ts'
import type { WsRoute } from '../ws/handler.ts'
import { messageStores } from './deps.ts'
import { sendMessageFrame } from './fields.ts'
import { parseFrame } from './frame-input.ts'
import { sendMessage } from './send.ts'
import type { SendingDeps } from './sending-deps.ts'

export function sendMessageAction(deps: SendingDeps, limiter: Limiter): WsRoute {
  return async (event, socket) => {
    const { action: _, conversationId, toUserId, ...input } = parseFrame(event, sendMessageFrame)
    const to = toUserId !== undefined ? { toUserId } : { conversationId: conversationId as string }
    const stores = await messageStores(deps)
    const admittedLimiter = afterAdmission(limiter, socket.admitted)
    await sendMessage({ ...deps, ...stores, limiter: admittedLimiter }, socket.userId, to, input, {
      exceptConnectionId: socket.connectionId,
      acknowledge: (sent) =>
        socket.reply({ type: 'message.ack', clientMsgId: input.clientMsgId, message: sent.message }),
    })
  }
}
