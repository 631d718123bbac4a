// GET /admin/users, PATCH /admin/users/{id}: administrators only.
import type { SessionsEnded } from '../../lib/auth/sessions.ts'
import { closeEndedSessions } from '../../lib/connections/revocation.ts'
import { requirePermission } from '../../lib/http/authenticate.ts'
import { type MongoHttpDeps, mongoStoreDeps } from '../../lib/http/mongo-deps.ts'
import { routeByKey, routes } from '../../lib/http/route.ts'
import { json } from '../../lib/http/stack.ts'
import { userRoutes as http } from '../../lib/protocol/http/users.ts'
import { listAccounts, updateAccount } from '../../lib/users/admin.ts'

export function createAdminHandler(deps: MongoHttpDeps, sessionsEnded: SessionsEnded = closeEndedSessions()) {
  const route = routes(deps)
  return routeByKey({
    'GET /admin/users': route.caller(
      { ...http['GET /admin/users'], guards: [requirePermission('users:list')] },
      async ({ query }) => json(200, await listAccounts(await deps.sql(), query)),
    ),
    'PATCH /admin/users/{id}': route.caller(
      {
        ...http['PATCH /admin/users/{id}'],
        guards: [requirePermission('users:update-role', 'users:disable')],
      },
      async ({ caller, audit, path, body }) =>
        json(
          200,
          await updateAccount({ sql: await deps.sql(), audit, sessionsEnded }, caller, path.id, body),
        ),
    ),
  })
}

export const handler = createAdminHandler(mongoStoreDeps)
