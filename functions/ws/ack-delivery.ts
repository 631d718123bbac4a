// ackDelivery action: move the caller's delivery marker forward; the senders of what it newly covers get `delivered`.
import { ackDeliveryAction } from '../../lib/conversations/actions.ts'
import { type LiveDeps, liveDeps } from '../../lib/conversations/live-deps.ts'
import { wsHandler } from '../../lib/ws/handler.ts'

export function createAckDeliveryHandler(deps: LiveDeps) {
  return wsHandler(() => deps.fanout().management, ackDeliveryAction(deps), { redis: deps.redis })
}

export const handler = createAckDeliveryHandler(liveDeps)
