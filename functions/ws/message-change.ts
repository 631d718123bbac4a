// editMessage, deleteMessage and react actions: change the message under the conversation's lock, tell the members.
import { deliveryQueue } from '../../lib/delivery/jobs.ts'
import { messageChangeAction } from '../../lib/messages/actions.ts'
import { type MessagingDeps, messagingDeps } from '../../lib/messages/deps.ts'
import type { JobQueue } from '../../lib/stores/sqs.ts'
import { wsHandler } from '../../lib/ws/handler.ts'

export function createMessageChangeHandler(deps: MessagingDeps & { delivery?: () => JobQueue }) {
  return wsHandler(() => deps.fanout().management, messageChangeAction(deps), { redis: deps.redis })
}

// A large room hears of a change through delivery jobs, as of a new message.
export const handler = createMessageChangeHandler({ ...messagingDeps, delivery: () => deliveryQueue() })
