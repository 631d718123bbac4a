// GET /presence?userIds=a,b: friends' online status and last seen.
import { type HttpDeps, storeDeps } from '../../lib/http/deps.ts'
import { routeByKey, routes } from '../../lib/http/route.ts'
import { json } from '../../lib/http/stack.ts'
import { friendsPresence } from '../../lib/presence/query.ts'
import { friendRoutes as http } from '../../lib/protocol/http/friends.ts'

export function createPresenceHandler(deps: HttpDeps) {
  const route = routes(deps)
  return routeByKey({
    'GET /presence': route.caller(http['GET /presence'], async ({ caller, query }) => {
      const [sql, redis] = await Promise.all([deps.sql(), deps.redis()])
      return json(200, await friendsPresence({ sql, redis }, caller.id, query))
    }),
  })
}

export const handler = createPresenceHandler(storeDeps)
