// GET /admin/users, PATCH /admin/users/{id}: administrators only.
import * as z from 'zod'
import type { SessionsEnded } from '../../lib/auth/sessions.ts'
import { closeEndedSessions } from '../../lib/connections/revocation.ts'
import { requirePermission } from '../../lib/http/authenticate.ts'
import { type HttpDeps, storeDeps } from '../../lib/http/deps.ts'
import { routeByKey, routes } from '../../lib/http/route.ts'
import { json } from '../../lib/http/stack.ts'
import { accountUpdate, listAccounts, listQuery, updateAccount } from '../../lib/users/admin.ts'
import { userId } from '../../lib/users/fields.ts'

export function createAdminHandler(deps: HttpDeps, sessionsEnded: SessionsEnded = closeEndedSessions()) {
  const route = routes(deps)
  return routeByKey({
    'GET /admin/users': route.caller(
      { query: listQuery, guards: [requirePermission('users:list')] },
      async ({ query }) => json(200, await listAccounts(await deps.sql(), query)),
    ),
    'PATCH /admin/users/{id}': route.caller(
      {
        path: z.strictObject({ id: userId }),
        body: accountUpdate,
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

export const handler = createAdminHandler(storeDeps)
