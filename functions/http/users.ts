// GET/PATCH/DELETE /users/me, PUT /users/me/password, GET /users/{id}, GET /users?q=.
import { changePassword } from '../../lib/auth/password-change.ts'
import type { SessionsEnded } from '../../lib/auth/sessions.ts'
import { closeEndedSessions } from '../../lib/connections/revocation.ts'
import { deferredMongoStoreDeps } from '../../lib/http/deferred-mongo-deps.ts'
import type { MongoHttpDeps } from '../../lib/http/mongo-deps.ts'
import { routeByKey, routes } from '../../lib/http/route.ts'
import { json, noContent } from '../../lib/http/stack.ts'
import { userRoutes as http } from '../../lib/protocol/http/users.ts'
import { perUser } from '../../lib/rate-limit/middleware.ts'
import { deleteOwnAccount, ownAccount, publicProfile, updateOwnProfile } from '../../lib/users/profiles.ts'
import { searchUsers } from '../../lib/users/search.ts'

export function createUsersHandler(deps: MongoHttpDeps, sessionsEnded: SessionsEnded = closeEndedSessions()) {
  const route = routes(deps)
  return routeByKey({
    'GET /users/me': route.caller(http['GET /users/me'], async ({ caller }) =>
      json(200, await ownAccount(await deps.sql(), caller.id)),
    ),
    'PATCH /users/me': route.caller(http['PATCH /users/me'], async ({ caller, body }) =>
      json(200, await updateOwnProfile(await deps.sql(), caller.id, body)),
    ),
    'DELETE /users/me': route.caller(http['DELETE /users/me'], async ({ caller, audit }) => {
      await deleteOwnAccount({ sql: await deps.sql(), audit, sessionsEnded }, caller.id)
      return noContent()
    }),
    'PUT /users/me/password': route.caller(
      { ...http['PUT /users/me/password'], guards: [perUser(5, '15 m', { redis: deps.redis })] },
      async ({ caller, audit, body }) => {
        await changePassword({ sql: await deps.sql(), audit, sessionsEnded }, caller, body)
        return noContent()
      },
    ),
    'GET /users/{id}': route.caller(http['GET /users/{id}'], async ({ caller, path }) =>
      json(200, await publicProfile(await deps.sql(), caller.id, path.id)),
    ),
    'GET /users': route.caller(http['GET /users'], async ({ caller, query }) =>
      json(200, await searchUsers(await deps.sql(), caller.id, query)),
    ),
  })
}

// MongoDB only takes the audit entries of an account deletion or a password change: loaded when one is written.
export const handler = createUsersHandler(deferredMongoStoreDeps)
