// The capacity plan: the load a stage is sized for, and every throttle, reserved concurrency and consumer limit
// derived from it. DEPLOY.md ("Capacity") explains the numbers and the quotas they run into.

/** Account quotas the plan must fit (AWS defaults per account and Region; each can be raised on request). */
export const awsQuotas = {
  /** API Gateway: new WebSocket connections per second across every WebSocket API of the account. */
  webSocketNewConnectionsPerSecond: 500,
  /** API Gateway: steady requests per second across every API of the account (and its burst). */
  apiRequestsPerSecond: 10_000,
  apiBurst: 5_000,
  /** Lambda: concurrent executions of the account; 100 of them can never be reserved. */
  lambdaConcurrency: 1_000,
  lambdaUnreservable: 100,
} as const

/** Connections a MongoDB Atlas tier accepts per node (Atlas documentation, "Atlas Service Limits"). */
export const atlasConnectionLimits = { Flex: 500, M10: 1_500, M20: 3_000, M30: 3_000 } as const

/** Each Lambda instance's MongoDB pool (lib/stores/mongo.ts maxPoolSize): a worker may hold this many. */
export const mongoPoolSizePerInstance = 5

/**
 * PostToConnection calls a delivery worker instance makes per second at most: 32 posts in flight
 * (lib/delivery/fanout.ts) at a 50 ms round trip or more.
 */
export const postsPerSecondPerDeliveryInstance = 32 / 0.05

export interface LoadPlan {
  /** Users who reconnect at once (after a deploy or a network blip), and the seconds their clients spread it over. */
  reconnectStorm: { users: number; overSeconds: number }
  /** Users online at the busiest hour, each pinging every `heartbeatSeconds`. */
  onlineUsers: number
  heartbeatSeconds: number
  /** Messages sent per second at peak, over WebSocket and HTTP together. */
  peakMessagesPerSecond: number
  /** Other HTTP requests per second at peak (history, lists, profiles, uploads). */
  peakHttpRequestsPerSecond: number
  /** Sign-ups, logins and refreshes per second at peak (a reconnect storm refreshes tokens too). */
  peakAuthRequestsPerSecond: number
  /** The MongoDB Atlas tier, and the share of its connections the notification worker may hold. */
  atlasTier: keyof typeof atlasConnectionLimits
  workerConnectionShare: number
  /** The share of API Gateway's account request rate the delivery worker's posts may take. */
  deliveryRequestShare: number
  /** Seconds each $connect-path function may take at p99: an assumption until a stage's X-Ray traces say otherwise. */
  p99Seconds: { authorizer: number; connect: number; disconnect: number }
}

/** The plans a stage picks with `capacity` in cdk.json. */
export const loadPlans = {
  /** A team trying the service: a few hundred users. */
  trial: {
    reconnectStorm: { users: 500, overSeconds: 10 },
    onlineUsers: 500,
    heartbeatSeconds: 60,
    peakMessagesPerSecond: 20,
    peakHttpRequestsPerSecond: 50,
    peakAuthRequestsPerSecond: 10,
    atlasTier: 'Flex',
    workerConnectionShare: 0.1,
    deliveryRequestShare: 0.1,
    p99Seconds: { authorizer: 0.3, connect: 0.5, disconnect: 0.5 },
  },
  /** A launch: ten thousand users online, every one reconnecting within 30 s after an outage. */
  launch: {
    reconnectStorm: { users: 10_000, overSeconds: 30 },
    onlineUsers: 10_000,
    heartbeatSeconds: 60,
    peakMessagesPerSecond: 200,
    peakHttpRequestsPerSecond: 400,
    peakAuthRequestsPerSecond: 100,
    atlasTier: 'M10',
    workerConnectionShare: 0.2,
    deliveryRequestShare: 0.5,
    p99Seconds: { authorizer: 0.3, connect: 0.5, disconnect: 0.5 },
  },
} as const satisfies Record<string, LoadPlan>

export type LoadPlanName = keyof typeof loadPlans

export interface Throttle {
  rateLimit: number
  burstLimit: number
}

/** A steady rate with room for one second's worth again on top, as API Gateway's token bucket allows. */
const throttleOf = (perSecond: number): Throttle => {
  const rateLimit = Math.max(1, Math.ceil(perSecond))
  return { rateLimit, burstLimit: 2 * rateLimit }
}

/** Concurrent executions that serve `perSecond` calls of `seconds` each (Little's law), never under 2. */
const concurrencyFor = (perSecond: number, seconds: number) => Math.max(2, Math.ceil(perSecond * seconds))

export class CapacityPlanError extends Error {
  override readonly name = 'CapacityPlanError'
}

/** Every limit the stacks set for `plan`, checked against the account quotas it must fit. */
export function capacityOf(plan: LoadPlan) {
  const connectsPerSecond = plan.reconnectStorm.users / plan.reconnectStorm.overSeconds
  if (connectsPerSecond > awsQuotas.webSocketNewConnectionsPerSecond) {
    throw new CapacityPlanError(
      `the plan reconnects ${Math.ceil(connectsPerSecond)} users/s; API Gateway accepts ` +
        `${awsQuotas.webSocketNewConnectionsPerSecond} new WebSocket connections/s per account: spread the storm ` +
        'over more seconds or raise the quota first',
    )
  }
  const pingsPerSecond = plan.onlineUsers / plan.heartbeatSeconds
  const webSocket = {
    // API Gateway counts $connect against the route throttle before the authorizer runs.
    $connect: throttleOf(connectsPerSecond),
    $disconnect: throttleOf(connectsPerSecond),
    ping: throttleOf(pingsPerSecond),
    sendMessage: throttleOf(plan.peakMessagesPerSecond),
    // Typing and read markers follow messages: a few per message sent.
    typing: throttleOf(plan.peakMessagesPerSecond * 2),
    markRead: throttleOf(plan.peakMessagesPerSecond * 2),
    // Reactions come about as often as messages; edits and deletes, to a fraction of them.
    react: throttleOf(plan.peakMessagesPerSecond),
    editMessage: throttleOf(plan.peakMessagesPerSecond / 2),
    deleteMessage: throttleOf(plan.peakMessagesPerSecond / 2),
    // Acknowledgements are cumulative: a client acknowledges a burst of messages with one, like a read marker.
    ackDelivery: throttleOf(plan.peakMessagesPerSecond * 2),
    // A client resumes once per reconnect, a few times more when it is far behind.
    resume: throttleOf(connectsPerSecond * 2),
    // Unknown actions only ever get an error frame.
    $default: throttleOf(Math.max(5, plan.peakMessagesPerSecond / 10)),
  } satisfies Record<string, Throttle>
  const http = {
    default: throttleOf(plan.peakHttpRequestsPerSecond),
    'POST /auth/signup': throttleOf(plan.peakAuthRequestsPerSecond / 4),
    'POST /auth/login': throttleOf(plan.peakAuthRequestsPerSecond),
    'POST /auth/refresh': throttleOf(Math.max(plan.peakAuthRequestsPerSecond, connectsPerSecond)),
    'POST /conversations/{id}/messages': throttleOf(plan.peakMessagesPerSecond),
  } satisfies Record<string, Throttle>
  const total = [...Object.values(webSocket), ...Object.values(http)].reduce(
    (sum, throttle) => sum + throttle.rateLimit,
    0,
  )
  if (total > awsQuotas.apiRequestsPerSecond) {
    throw new CapacityPlanError(
      `the plan's route throttles add up to ${total} requests/s, over API Gateway's ` +
        `${awsQuotas.apiRequestsPerSecond}/s per account`,
    )
  }
  // The handshake path keeps this much concurrency whatever floods the rest of the account.
  const reserved = {
    authorizer: concurrencyFor(connectsPerSecond, plan.p99Seconds.authorizer),
    $connect: concurrencyFor(connectsPerSecond, plan.p99Seconds.connect),
    $disconnect: concurrencyFor(connectsPerSecond, plan.p99Seconds.disconnect),
  }
  const reservedTotal = reserved.authorizer + reserved.$connect + reserved.$disconnect
  if (reservedTotal > awsQuotas.lambdaConcurrency - awsQuotas.lambdaUnreservable) {
    throw new CapacityPlanError(
      `the plan reserves ${reservedTotal} concurrent executions; Lambda leaves at most ` +
        `${awsQuotas.lambdaConcurrency - awsQuotas.lambdaUnreservable} of the account's ${awsQuotas.lambdaConcurrency} to reserve`,
    )
  }
  const workerConnections = Math.floor(atlasConnectionLimits[plan.atlasTier] * plan.workerConnectionShare)
  // Lambda's SQS event source accepts a maximum concurrency of 2 to 1000.
  const queueMaxConcurrency = Math.min(
    1000,
    Math.max(2, Math.floor(workerConnections / mongoPoolSizePerInstance)),
  )
  // Large rooms' posts share the account's API Gateway rate with every route: the worker gets the plan's share.
  const deliveryMaxConcurrency = Math.min(
    1000,
    Math.max(
      2,
      Math.floor(
        (awsQuotas.apiRequestsPerSecond * plan.deliveryRequestShare) / postsPerSecondPerDeliveryInstance,
      ),
    ),
  )
  return {
    webSocket,
    http,
    reserved,
    queueMaxConcurrency,
    deliveryMaxConcurrency,
    connectsPerSecond,
    pingsPerSecond,
  }
}

export type Capacity = ReturnType<typeof capacityOf>

/** Memory (GiB) of the burstable and general-purpose RDS sizes a stage may pick. */
const instanceMemoryGiB: Record<string, number> = {
  micro: 1,
  small: 2,
  medium: 4,
  large: 8,
  xlarge: 16,
  '2xlarge': 32,
}

/**
 * PostgreSQL's connection ceiling on RDS by default, LEAST(DBInstanceClassMemory / 9531392, 5000) (RDS
 * documentation, "Maximum number of database connections"), from the nominal memory of `instanceClass`
 * (`t4g.micro`): an upper bound, since RDS keeps part of the memory for itself.
 */
export function postgresMaxConnections(instanceClass: string): number {
  const size = instanceClass.split('.')[1] ?? ''
  const memory = instanceMemoryGiB[size]
  if (!memory) throw new CapacityPlanError(`no memory size known for instance class ${instanceClass}`)
  return Math.min(5000, Math.floor((memory * 1024 ** 3) / 9_531_392))
}
