// The WebSocket actions of messages: sendMessage and the message changes (editMessage, deleteMessage, react). Each
// reads its frame, runs the domain call for the connection's user. typing and markRead live in
// conversations/actions.ts, so their functions bundle no MongoDB, S3 or SQS client.
import { config } from '../config.ts'
import {
  deleteMessageAction as deleteMessageFrame,
  editMessageAction as editMessageFrame,
  frames,
  reactAction as reactFrame,
  sendMessageAction as sendMessageFrame,
} from '../protocol/ws.ts'
import type { Limiter } from '../rate-limit/limiter.ts'
import { afterAdmission } from '../ws/admission.ts'
import type { WsRoute } from '../ws/handler.ts'
import { type MessagingDeps, messageStores } from './deps.ts'
import { parseFrame } from './frame-input.ts'
import { deleteMessage, editMessage, type LifecycleContext, react } from './lifecycle.ts'
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
      acknowledge: (sent) => socket.reply(frames.messageAck(input.clientMsgId, sent.message)),
    })
  }
}

/** What editing, deleting and reacting need, over HTTP and WebSocket alike. */
export async function lifecycleContext(
  deps: MessagingDeps & Pick<LifecycleContext, 'delivery'>,
): Promise<LifecycleContext> {
  return {
    ...(await messageStores(deps)),
    fanout: deps.fanout,
    ...(deps.delivery && { delivery: deps.delivery }),
    editWindowMs: config().MESSAGE_EDIT_WINDOW_MINUTES * 60_000,
  }
}

/**
 * editMessage, deleteMessage and react, routed on the frame's action. The caller's own connections hear of the
 * change with the other members (the frame is the answer); a change refused gets an `error` frame.
 */
export function messageChangeAction(deps: MessagingDeps & Pick<LifecycleContext, 'delivery'>): WsRoute {
  return async (event, socket) => {
    const action = event.requestContext.routeKey
    const frame =
      action === 'editMessage'
        ? parseFrame(event, editMessageFrame)
        : action === 'deleteMessage'
          ? parseFrame(event, deleteMessageFrame)
          : parseFrame(event, reactFrame)
    // Every change is a write under the conversation's lock, so the admission comes first.
    const [ctx] = await Promise.all([lifecycleContext(deps), socket.admitted])
    if (frame.action === 'editMessage') await editMessage(ctx, socket.userId, frame)
    else if (frame.action === 'deleteMessage') await deleteMessage(ctx, socket.userId, frame)
    else await react(ctx, socket.userId, frame)
  }
}
