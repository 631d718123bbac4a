// The route table as the stateless stack reads it: infra/routes.ts, or another table of the same shape in tests.
import * as routes from '../routes.ts'

type Named<T> = Omit<T, 'function'> & { function: string }

export interface RouteTable {
  functions: Readonly<Record<string, routes.FunctionSpec>>
  httpRoutes: readonly Named<routes.HttpRoute>[]
  webSocket: {
    routeSelectionExpression: string
    authorizer?: { function: string; identitySource: string }
    routes: readonly { routeKey: string; function: string }[]
  }
  queueConsumers: readonly Named<routes.QueueConsumer>[]
  schedules: readonly Named<routes.Schedule>[]
}

export const routeTable: RouteTable = {
  functions: routes.functions,
  httpRoutes: routes.httpRoutes,
  webSocket: routes.webSocket,
  queueConsumers: routes.queueConsumers,
  schedules: routes.schedules,
}

/** Every function a route, consumer or schedule names must be defined: a typo fails synth, not a deploy. */
export function assertRoutesResolve(table: RouteTable): void {
  const referenced = [
    ...table.httpRoutes.map((route) => [`HTTP ${route.method} ${route.path}`, route.function]),
    ...table.webSocket.routes.map((route) => [`WebSocket ${route.routeKey}`, route.function]),
    ...(table.webSocket.authorizer ? [['WebSocket authorizer', table.webSocket.authorizer.function]] : []),
    ...table.queueConsumers.map((consumer) => [`queue ${consumer.queue}`, consumer.function]),
    ...table.schedules.map((schedule) => [`schedule ${schedule.name}`, schedule.function]),
  ]
  const missing = referenced.filter(([, name]) => !(name && name in table.functions))
  if (missing.length > 0) {
    const list = missing.map(([where, name]) => `${where} -> ${name}`).join(', ')
    throw new Error(`route table names functions it does not define: ${list}`)
  }
}
