// typing action: `typing` start/stop to the conversation's other members online; never stored, rate-thinned.
import { typingLimiter } from '../../lib/conversations/typing.ts'
import { typingAction } from '../../lib/messages/actions.ts'
import { type MessagingDeps, messagingDeps } from '../../lib/messages/deps.ts'
import { wsHandler } from '../../lib/ws/handler.ts'

export function createTypingHandler(deps: MessagingDeps) {
  return wsHandler(() => deps.fanout().management, typingAction(deps, typingLimiter(deps.redis)), {
    redis: deps.redis,
  })
}

export const handler = createTypingHandler(messagingDeps)
