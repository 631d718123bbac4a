// GET /notifications (the caller's inbox, newest first) and POST /notifications/read.
import { type HttpDeps, storeDeps } from '../../lib/http/deps.ts'
import { routeByKey, routes } from '../../lib/http/route.ts'
import { json } from '../../lib/http/stack.ts'
import {
  inboxQuery,
  listNotifications,
  markNotificationsRead,
  readRequest,
} from '../../lib/notifications/inbox.ts'

export function createNotificationsHandler(deps: HttpDeps) {
  const route = routes(deps)
  return routeByKey({
    'GET /notifications': route.caller({ query: inboxQuery }, async ({ caller, query }) =>
      json(200, await listNotifications(await deps.mongo(), caller.id, query)),
    ),
    'POST /notifications/read': route.caller({ body: readRequest }, async ({ caller, body }) =>
      json(200, await markNotificationsRead(await deps.mongo(), caller.id, body)),
    ),
  })
}

export const handler = createNotificationsHandler(storeDeps)
