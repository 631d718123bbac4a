// sendMessage action: store the message, ack the sender, then `message.new` to every member's connections.
import { sendMessageAction } from '../../lib/messages/actions.ts'
import { sendLimiter } from '../../lib/messages/deps.ts'
import { type SendingDeps, sendingDeps } from '../../lib/messages/sending-deps.ts'
import { wsHandler } from '../../lib/ws/handler.ts'

export function createSendMessageHandler(deps: SendingDeps) {
  return wsHandler(() => deps.fanout().management, sendMessageAction(deps, sendLimiter(deps.redis)), {
    redis: deps.redis,
  })
}

export const handler = createSendMessageHandler(sendingDeps)
