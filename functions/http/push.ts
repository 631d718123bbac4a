// /push: the VAPID public key browsers subscribe with, their subscriptions, and whether pushes carry a preview.
import type { VapidKeys } from '../../lib/config.ts'
import { type HttpDeps, storeDeps } from '../../lib/http/deps.ts'
import { routeByKey, routes } from '../../lib/http/route.ts'
import { json, noContent } from '../../lib/http/stack.ts'
import { pushSettings, subscriptionInput, subscriptionPath } from '../../lib/protocol/http/push.ts'
import type { EndpointPolicy, Resolve } from '../../lib/push/endpoints.ts'
import { pushEndpointPolicy, vapidKeys } from '../../lib/push/keys.ts'
import {
  pushSettingsOf,
  registerSubscription,
  removeSubscription,
  savePushSettings,
} from '../../lib/push/subscriptions.ts'

export interface PushDeps extends HttpDeps {
  keys: () => Promise<VapidKeys>
  policy: () => EndpointPolicy
  resolve?: Resolve
}

const subscription = { path: subscriptionPath }

export function createPushHandler(deps: PushDeps) {
  const route = routes(deps)
  return routeByKey({
    'GET /push/key': route.caller({}, async () => json(200, { publicKey: (await deps.keys()).publicKey })),
    'POST /push/subscriptions': route.caller({ body: subscriptionInput }, async ({ caller, body }) => {
      const context = { sql: await deps.sql(), policy: deps.policy(), resolve: deps.resolve }
      const { subscription: view, created } = await registerSubscription(context, caller.id, body)
      return json(created ? 201 : 200, view)
    }),
    'DELETE /push/subscriptions/{id}': route.caller(subscription, async ({ caller, path }) => {
      await removeSubscription(await deps.sql(), caller.id, path.id)
      return noContent()
    }),
    'GET /push/settings': route.caller({}, async ({ caller }) =>
      json(200, await pushSettingsOf(await deps.sql(), caller.id)),
    ),
    'PUT /push/settings': route.caller({ body: pushSettings }, async ({ caller, body }) =>
      json(200, await savePushSettings(await deps.sql(), caller.id, body)),
    ),
  })
}

export const handler = createPushHandler({ ...storeDeps, keys: vapidKeys, policy: pushEndpointPolicy })
