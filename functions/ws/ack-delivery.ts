// ackDelivery action: move the caller's delivery marker forward; the senders of what it newly covers get `delivered`.
import { ackDeliveryAction } from '../../lib/messages/actions.ts'
import { type MessagingDeps, messagingDeps } from '../../lib/messages/deps.ts'
import { wsHandler } from '../../lib/ws/handler.ts'

export function createAckDeliveryHandler(deps: MessagingDeps) {
  return wsHandler(() => deps.fanout().management, ackDeliveryAction(deps), { redis: deps.redis })
}

export const handler = createAckDeliveryHandler(messagingDeps)
