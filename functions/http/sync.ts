// GET /sync: the caller's events since a cursor, paged.
import { type MongoHttpDeps, mongoStoreDeps } from '../../lib/http/mongo-deps.ts'
import { routeByKey, routes } from '../../lib/http/route.ts'
import { json } from '../../lib/http/stack.ts'
import { syncRoutes as http } from '../../lib/protocol/http/sync.ts'
import { syncContext } from '../../lib/sync/deps.ts'
import { syncPageFor } from '../../lib/sync/sync.ts'

export function createSyncHandler(deps: MongoHttpDeps) {
  const route = routes(deps)
  return routeByKey({
    'GET /sync': route.caller(http['GET /sync'], async ({ caller, query }) =>
      json(200, await syncPageFor(await syncContext(deps), caller.id, query)),
    ),
  })
}

export const handler = createSyncHandler(mongoStoreDeps)
