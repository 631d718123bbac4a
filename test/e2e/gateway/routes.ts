// A route table of small fixture functions, for driving the local gateway the way the real table does.
import type { RouteTable } from '../../../infra/local/gateway/table.ts'

/** Enough for the fixtures' AWS SDK clients: the local gateway accepts any signature. */
export const fixtureEnv = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
}

/**
 * A complete configuration whose stores are nowhere but Redis, where every frame is admitted (session, frame limit):
 * ping and $default must need nothing else.
 */
export const redisOnlyEnv = () => ({
  ...storelessEnv,
  UPSTASH_REDIS_REST_URL: process.env.UPSTASH_REDIS_REST_URL ?? '',
  UPSTASH_REDIS_REST_TOKEN: process.env.UPSTASH_REDIS_REST_TOKEN ?? '',
})

/** A complete configuration whose stores are nowhere. */
export const storelessEnv = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  DATABASE_URL: 'postgres://nobody@127.0.0.1:9/none',
  MONGO_URL: 'mongodb://127.0.0.1:9',
  UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:9',
  UPSTASH_REDIS_REST_TOKEN: 'none',
  CONNECTIONS_TABLE: 'none',
  UPLOADS_BUCKET: 'none',
  NOTIFICATIONS_QUEUE_URL: 'http://127.0.0.1:9/000000000000/none',
  LOG_LEVEL: 'SILENT',
}

const fixture = (name: string) => `test/e2e/gateway/fixtures/${name}.ts`

export const fixtureRoutes: RouteTable = {
  functions: {
    echo: { entry: fixture('echo') },
    authorizer: { entry: fixture('authorizer') },
    connect: { entry: fixture('connect') },
    disconnect: { entry: fixture('disconnect') },
    reply: { entry: fixture('reply') },
    consumer: { entry: fixture('consumer'), timeoutSeconds: 1 },
    tick: { entry: fixture('tick') },
  },
  httpRoutes: [
    { method: 'GET', path: '/items/{id}', function: 'echo' },
    { method: 'GET', path: '/items/special', function: 'echo' },
    { method: 'POST', path: '/items/{id}', function: 'echo' },
    { method: 'GET', path: '/files/{proxy+}', function: 'echo' },
    { method: 'GET', path: '/files/{folder}/readme', function: 'echo' },
  ],
  webSocket: {
    routeSelectionExpression: '$request.body.action',
    authorizer: { function: 'authorizer', identitySource: 'route.request.querystring.token' },
    routes: [
      { routeKey: '$connect', function: 'connect' },
      { routeKey: '$disconnect', function: 'disconnect' },
      { routeKey: '$default', function: 'reply' },
      { routeKey: 'echo', function: 'reply' },
      { routeKey: 'boom', function: 'reply' },
    ],
  },
  queueConsumers: [],
  schedules: [],
}
