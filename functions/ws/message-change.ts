// editMessage, deleteMessage and react actions: change the message under the conversation's lock, tell the members.
import { messageChangeAction } from '../../lib/messages/actions.ts'
import { type MessagingDeps, messagingDeps } from '../../lib/messages/deps.ts'
import { wsHandler } from '../../lib/ws/handler.ts'

export function createMessageChangeHandler(deps: MessagingDeps) {
  return wsHandler(() => deps.fanout().management, messageChangeAction(deps), { redis: deps.redis })
}

export const handler = createMessageChangeHandler(messagingDeps)
