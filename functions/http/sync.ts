// GET /sync: the caller's events since a cursor, paged.
import { type HttpDeps, storeDeps } from '../../lib/http/deps.ts'
import { routeByKey, routes } from '../../lib/http/route.ts'
import { json } from '../../lib/http/stack.ts'
import { httpContract as http } from '../../lib/protocol/http/index.ts'
import { syncContext } from '../../lib/sync/deps.ts'
import { syncPageFor } from '../../lib/sync/sync.ts'

export function createSyncHandler(deps: HttpDeps) {
  const route = routes(deps)
  return routeByKey({
    'GET /sync': route.caller(http['GET /sync'], async ({ caller, query }) =>
      json(200, await syncPageFor(await syncContext(deps), caller.id, query)),
    ),
  })
}

export const handler = createSyncHandler(storeDeps)
