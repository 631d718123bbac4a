// markRead action: move the caller's read marker forward; the other members get `read`.
import { markReadAction } from '../../lib/conversations/actions.ts'
import { type LiveDeps, liveDeps } from '../../lib/conversations/live-deps.ts'
import { wsHandler } from '../../lib/ws/handler.ts'

export function createMarkReadHandler(deps: LiveDeps) {
  return wsHandler(() => deps.fanout().management, markReadAction(deps), { redis: deps.redis })
}

export const handler = createMarkReadHandler(liveDeps)
