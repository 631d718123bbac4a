// GET/PATCH/DELETE /users/me, PUT /users/me/password, GET /users/{id}, GET /users?q=.
import * as z from 'zod'
import { changePassword, passwordChangeInput } from '../../lib/auth/password-change.ts'
import type { SessionsEnded } from '../../lib/auth/sessions.ts'
import { closeEndedSessions } from '../../lib/connections/revocation.ts'
import { type HttpDeps, storeDeps } from '../../lib/http/deps.ts'
import { routeByKey, routes } from '../../lib/http/route.ts'
import { json, noContent } from '../../lib/http/stack.ts'
import { perUser } from '../../lib/rate-limit/middleware.ts'
import { userId } from '../../lib/users/fields.ts'
import {
  deleteOwnAccount,
  ownAccount,
  profileUpdate,
  publicProfile,
  updateOwnProfile,
} from '../../lib/users/profiles.ts'
import { searchQuery, searchUsers } from '../../lib/users/search.ts'

export function createUsersHandler(deps: HttpDeps, sessionsEnded: SessionsEnded = closeEndedSessions()) {
  const route = routes(deps)
  return routeByKey({
    'GET /users/me': route.caller({}, async ({ caller }) =>
      json(200, await ownAccount(await deps.sql(), caller.id)),
    ),
    'PATCH /users/me': route.caller({ body: profileUpdate }, async ({ caller, body }) =>
      json(200, await updateOwnProfile(await deps.sql(), caller.id, body)),
    ),
    'DELETE /users/me': route.caller({}, async ({ caller, audit }) => {
      await deleteOwnAccount({ sql: await deps.sql(), audit, sessionsEnded }, caller.id)
      return noContent()
    }),
    'PUT /users/me/password': route.caller(
      { body: passwordChangeInput, guards: [perUser(5, '15 m', { redis: deps.redis })] },
      async ({ caller, audit, body }) => {
        await changePassword({ sql: await deps.sql(), audit, sessionsEnded }, caller, body)
        return noContent()
      },
    ),
    'GET /users/{id}': route.caller({ path: z.strictObject({ id: userId }) }, async ({ caller, path }) =>
      json(200, await publicProfile(await deps.sql(), caller.id, path.id)),
    ),
    'GET /users': route.caller({ query: searchQuery }, async ({ caller, query }) =>
      json(200, await searchUsers(await deps.sql(), caller.id, query)),
    ),
  })
}

export const handler = createUsersHandler(storeDeps)
