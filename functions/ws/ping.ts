// ping action: answers `pong` to the calling connection; like every routed frame, it counts as activity.
import { wsManagementClient } from '../../lib/stores/ws-management.ts'
import { wsHandler } from '../../lib/ws/handler.ts'

export const handler = wsHandler(wsManagementClient, async (_event, { reply }) => {
  await reply({ type: 'pong' })
})
