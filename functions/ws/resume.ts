// resume action: every event since the client's cursor, as frames on its connection, then `resumed`.
import { type MessagingDeps, messagingDeps } from '../../lib/messages/deps.ts'
import { resumeAction } from '../../lib/sync/actions.ts'
import { wsHandler } from '../../lib/ws/handler.ts'

export function createResumeHandler(deps: MessagingDeps) {
  return wsHandler(() => deps.fanout().management, resumeAction(deps), { redis: deps.redis })
}

export const handler = createResumeHandler(messagingDeps)
