// The HTTP API's contract: every route of infra/routes.ts by its route key, with its inputs and answers.
import { authRoutes } from './auth.ts'
import type { RouteContract } from './contract.ts'
import { conversationRoutes } from './conversations.ts'
import { fileRoutes } from './files.ts'
import { friendRoutes } from './friends.ts'
import { oauthRoutes } from './oauth.ts'
import { pushRoutes } from './push.ts'
import { syncRoutes } from './sync.ts'
import { userRoutes } from './users.ts'

export type { RouteContract } from './contract.ts'

export const httpContract = {
  ...authRoutes,
  ...oauthRoutes,
  ...userRoutes,
  ...friendRoutes,
  ...conversationRoutes,
  ...fileRoutes,
  ...pushRoutes,
  ...syncRoutes,
} satisfies Record<string, RouteContract>

/** `METHOD /path`, as API Gateway names a route in `routeKey`. */
export type RouteKey = keyof typeof httpContract
