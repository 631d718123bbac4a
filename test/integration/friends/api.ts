// Calls the friends handler beside the identity ones, as API Gateway would, and signs up the users tests need.
import type { Db } from 'mongodb'
import postgres from 'postgres'
import { createAuthHandler } from '../../../functions/http/auth.ts'
import { createFriendsHandler, type FriendsDeps } from '../../../functions/http/friends.ts'
import { createUsersHandler } from '../../../functions/http/users.ts'
import { config } from '../../../lib/config.ts'
import {
  type RecordedUserEvent,
  recordedUserEvents,
  userEventsCollection,
} from '../../../lib/events/recorded.ts'
import { mongoStoreDeps } from '../../../lib/http/mongo-deps.ts'
import { postgresOptions } from '../../../lib/stores/postgres.ts'
import { apiOver, type Call, newUser, type ProblemBody, signUp } from '../identity/api.ts'

export type { Call }

/** The wiring the deployed handler has: real stores, events recorded in MongoDB. */
export const deployedDeps = (): FriendsDeps => ({
  ...mongoStoreDeps,
  userEvents: recordedUserEvents(mongoStoreDeps.mongo),
})

export function friendsApi(deps: FriendsDeps = deployedDeps()) {
  return apiOver({
    auth: createAuthHandler(mongoStoreDeps),
    users: createUsersHandler(mongoStoreDeps),
    friends: createFriendsHandler(deps),
  })
}

/**
 * A second Lambda instance, as far as PostgreSQL can tell: its own connection. The shared client has one
 * connection, which would queue two "simultaneous" transactions one behind the other.
 */
export function separateInstance() {
  const sql = postgres(config().DATABASE_URL as string, postgresOptions())
  return { call: friendsApi({ ...deployedDeps(), sql: async () => sql }), end: () => sql.end({ timeout: 5 }) }
}

export interface Person {
  id: string
  username: string
  token: string
}

/** `count` new users, signed up through POST /auth/signup. */
export async function people(call: Call, count: number, prefix = 'fr'): Promise<Person[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const user = await signUp(call, newUser(prefix))
      return { id: user.session.user.id, username: user.username, token: user.session.accessToken }
    }),
  )
}

export interface FriendshipBody {
  user: { id: string; username: string; displayName: string }
  status: 'pending' | 'accepted'
  direction: 'incoming' | 'outgoing'
  requestedAt: string
  acceptedAt: string | null
}

export interface PageBody {
  items: FriendshipBody[]
  nextCursor: string | null
}

/** A friendship on success; the problem document's fields on refusal. */
export type Answer = FriendshipBody & Partial<Omit<ProblemBody, 'status'>>

/** The `friends` routes by name, for `person` acting on `other`. */
export function friendRoutes(call: Call) {
  const at = (method: string, path: string) => (person: Person, other: string) =>
    call<Answer>({ method, path: path.replace('{id}', other), token: person.token })
  return {
    request: at('POST', '/friends/{id}'),
    accept: at('POST', '/friends/{id}/accept'),
    decline: at('POST', '/friends/{id}/decline'),
    remove: at('DELETE', '/friends/{id}'),
    block: at('POST', '/friends/{id}/block'),
    unblock: at('DELETE', '/friends/{id}/block'),
    friends: (person: Person, query = '') =>
      call<PageBody>({ method: 'GET', path: `/friends${query}`, token: person.token }),
    requests: (person: Person, direction: 'incoming' | 'outgoing') =>
      call<PageBody>({
        method: 'GET',
        path: `/friends/requests?direction=${direction}`,
        token: person.token,
      }),
  }
}

export const userEvents = (db: Db, userId: string) =>
  db.collection<RecordedUserEvent>(userEventsCollection).find({ userId }).sort({ recordedAt: 1 }).toArray()
