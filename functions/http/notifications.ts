// GET /notifications (the caller's inbox, newest first) and POST /notifications/read.
import { type MongoHttpDeps, mongoStoreDeps } from '../../lib/http/mongo-deps.ts'
import { routeByKey, routes } from '../../lib/http/route.ts'
import { json } from '../../lib/http/stack.ts'
import { listNotifications, markNotificationsRead } from '../../lib/notifications/inbox.ts'
import { fileRoutes as http } from '../../lib/protocol/http/files.ts'

export function createNotificationsHandler(deps: MongoHttpDeps) {
  const route = routes(deps)
  return routeByKey({
    'GET /notifications': route.caller(http['GET /notifications'], async ({ caller, query }) =>
      json(200, await listNotifications(await deps.mongo(), caller.id, query)),
    ),
    'POST /notifications/read': route.caller(http['POST /notifications/read'], async ({ caller, body }) =>
      json(200, await markNotificationsRead(await deps.mongo(), caller.id, body)),
    ),
  })
}

export const handler = createNotificationsHandler(mongoStoreDeps)
