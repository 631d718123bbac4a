// ping action: answers `pong` to the calling connection; like every routed frame, it counts as activity.
import { parseFrame } from '../../lib/messages/frame-input.ts'
import { frames, pingAction } from '../../lib/protocol/ws.ts'
import { wsManagementClient } from '../../lib/stores/ws-management.ts'
import { wsHandler } from '../../lib/ws/handler.ts'

export const handler = wsHandler(wsManagementClient, async (event, { reply }) => {
  parseFrame(event, pingAction)
  await reply(frames.pong())
})
