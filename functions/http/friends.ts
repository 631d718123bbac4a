// /friends: requests and their answers, blocks, and the lists of friends and pending requests.
import type { Audit } from '../../lib/audit/log.ts'
import { liveUserEventSink } from '../../lib/delivery/live-user-events.ts'
import { recordedUserEvents } from '../../lib/events/recorded.ts'
import { allSinks, type UserEventSink } from '../../lib/events/user-events.ts'
import { blockUser, unblockUser } from '../../lib/friends/blocks.ts'
import { listFriends, listRequests } from '../../lib/friends/lists.ts'
import { acceptFriend, declineFriend, removeFriend, sendFriendRequest } from '../../lib/friends/requests.ts'
import { type MongoHttpDeps, mongoStoreDeps } from '../../lib/http/mongo-deps.ts'
import { routeByKey, routes } from '../../lib/http/route.ts'
import { json, noContent } from '../../lib/http/stack.ts'
import { jobQueue } from '../../lib/notifications/jobs.ts'
import { notificationUserEventSink } from '../../lib/notifications/producers.ts'
import { friendRoutes as http } from '../../lib/protocol/http/friends.ts'
import { perUser } from '../../lib/rate-limit/middleware.ts'

export interface FriendsDeps extends MongoHttpDeps {
  /** Where friend.request and friend.accepted go: the live connections and the notification inbox, composed. */
  userEvents: UserEventSink
}

export function createFriendsHandler(deps: FriendsDeps) {
  const route = routes(deps)
  const context = async (audit: Audit) => ({ sql: await deps.sql(), audit, events: deps.userEvents })
  return routeByKey({
    'POST /friends/{userId}': route.caller(
      { ...http['POST /friends/{userId}'], guards: [perUser(10, '1 m', { redis: deps.redis })] },
      async ({ caller, audit, path }) => {
        const { friendship, outcome } = await sendFriendRequest(await context(audit), caller.id, path.userId)
        return json(outcome === 'requested' ? 201 : 200, friendship)
      },
    ),
    'POST /friends/{userId}/accept': route.caller(
      http['POST /friends/{userId}/accept'],
      async ({ caller, audit, path }) =>
        json(200, await acceptFriend(await context(audit), caller.id, path.userId)),
    ),
    'POST /friends/{userId}/decline': route.caller(
      http['POST /friends/{userId}/decline'],
      async ({ caller, audit, path }) => {
        await declineFriend(await context(audit), caller.id, path.userId)
        return noContent()
      },
    ),
    'DELETE /friends/{userId}': route.caller(
      http['DELETE /friends/{userId}'],
      async ({ caller, audit, path }) => {
        await removeFriend(await context(audit), caller.id, path.userId)
        return noContent()
      },
    ),
    'POST /friends/{userId}/block': route.caller(
      http['POST /friends/{userId}/block'],
      async ({ caller, audit, path }) => {
        await blockUser(await context(audit), caller.id, path.userId)
        return noContent()
      },
    ),
    'DELETE /friends/{userId}/block': route.caller(
      http['DELETE /friends/{userId}/block'],
      async ({ caller, audit, path }) => {
        await unblockUser(await context(audit), caller.id, path.userId)
        return noContent()
      },
    ),
    'GET /friends': route.caller(http['GET /friends'], async ({ caller, query }) =>
      json(200, await listFriends(await deps.sql(), caller.id, query)),
    ),
    'GET /friends/requests': route.caller(http['GET /friends/requests'], async ({ caller, query }) =>
      json(200, await listRequests(await deps.sql(), caller.id, query)),
    ),
  })
}

export const handler = createFriendsHandler({
  ...mongoStoreDeps,
  userEvents: allSinks(
    recordedUserEvents(mongoStoreDeps.mongo),
    liveUserEventSink(),
    notificationUserEventSink(() => jobQueue()),
  ),
})
