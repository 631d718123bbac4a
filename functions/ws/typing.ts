// typing action: `typing` start/stop to the conversation's other members online; never stored, rate-thinned.

import { typingAction } from '../../lib/conversations/actions.ts'
import { type LiveDeps, liveDeps } from '../../lib/conversations/live-deps.ts'
import { typingLimiter } from '../../lib/conversations/typing.ts'
import { wsHandler } from '../../lib/ws/handler.ts'

export function createTypingHandler(deps: LiveDeps) {
  return wsHandler(() => deps.fanout().management, typingAction(deps, typingLimiter(deps.redis)), {
    redis: deps.redis,
  })
}

export const handler = createTypingHandler(liveDeps)
