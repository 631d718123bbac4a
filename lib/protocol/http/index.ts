// The HTTP API's contract: every route of infra/routes.ts by its route key, with its inputs and answers.
import { authRoutes } from './auth.ts'
import type { RouteContract } from './contract.ts'
import { conversationRoutes } from './conversations.ts'
import { fileRoutes } from './files.ts'
import { friendRoutes } from './friends.ts'
import { userRoutes } from './users.ts'

export type { RouteContract } from './contract.ts'

export const httpContract = {
  ...authRoutes,
  ...userRoutes,
  ...friendRoutes,
  ...conversationRoutes,
  ...fileRoutes,
} satisfies Record<string, RouteContract>

/** `METHOD /path`, as API Gateway names a route in `routeKey`. */
export type RouteKey = keyof typeof httpContract
