// markRead action: move the caller's read marker forward; the other members get `read`.
import { markReadAction } from '../../lib/messages/actions.ts'
import { type MessagingDeps, messagingDeps } from '../../lib/messages/deps.ts'
import { wsHandler } from '../../lib/ws/handler.ts'

export function createMarkReadHandler(deps: MessagingDeps) {
  return wsHandler(() => deps.fanout().management, markReadAction(deps), { redis: deps.redis })
}

export const handler = createMarkReadHandler(messagingDeps)
