// The route table with what it will hold once every feature lands (an authorizer on $connect, a queue
// consumer, a schedule, a function that uses every store), laid over infra/routes.ts as it is today.
// Fixture functions reuse an existing handler: these tests read the template, not the code.
import type { RouteTable } from '../../infra/cloud/route-table.ts'
import { routeTable } from '../../infra/cloud/route-table.ts'

const anyHandler = 'functions/ws/default.ts'

/** `base` with `additions` laid over it, one entry per key. */
function mergeBy<T>(base: readonly T[], additions: readonly T[], key: (item: T) => string): T[] {
  const merged = new Map(base.map((item) => [key(item), item]))
  for (const item of additions) merged.set(key(item), item)
  return [...merged.values()]
}

export const fixtureRoutes: RouteTable = {
  functions: {
    ...routeTable.functions,
    wsAuthorizer: { entry: anyHandler, description: '$connect authorizer', uses: ['postgres'] },
    wsConnect: { entry: anyHandler, description: '$connect', uses: ['connections', 'redis'] },
    notify: {
      entry: anyHandler,
      description: 'notification worker',
      uses: ['mongo', 'connections', 'wsManagement'],
      timeoutSeconds: 30,
    },
    reapIdle: {
      entry: anyHandler,
      description: 'idle reaper',
      uses: ['redis', 'connections', 'wsManagement'],
    },
    sendMessage: {
      entry: anyHandler,
      description: 'sendMessage over HTTP and WebSocket',
      uses: ['postgres', 'mongo', 'redis', 'connections', 'uploads', 'notifications', 'wsManagement'],
    },
  },
  httpRoutes: mergeBy(
    routeTable.httpRoutes,
    [{ method: 'POST', path: '/conversations/{id}/messages', function: 'sendMessage' }],
    (route) => `${route.method} ${route.path}`,
  ),
  webSocket: {
    routeSelectionExpression: '$request.body.action',
    authorizer: { function: 'wsAuthorizer', identitySource: 'route.request.querystring.token' },
    routes: mergeBy(
      routeTable.webSocket.routes,
      [
        { routeKey: '$connect', function: 'wsConnect' },
        { routeKey: 'sendMessage', function: 'sendMessage' },
      ],
      (route) => route.routeKey,
    ),
  },
  queueConsumers: [
    { queue: 'notifications', function: 'notify', batchSize: 10, maxReceiveCount: 5 },
    { queue: 'delivery', function: 'deliver', batchSize: 10, maxReceiveCount: 3 },
  ],
  schedules: [{ name: 'reapIdle', function: 'reapIdle', everyMinutes: 1 }],
}
