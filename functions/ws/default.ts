// $default: a frame whose action matches no route gets an `error` frame; the connection stays open.
import { InvalidError } from '../../lib/errors.ts'
import { wsManagementClient } from '../../lib/stores/ws-management.ts'
import { wsHandler } from '../../lib/ws/handler.ts'

export const handler = wsHandler(wsManagementClient, async () => {
  throw new InvalidError('Unknown or missing action.')
})
