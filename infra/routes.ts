// The one route table: every Lambda function and what invokes it, read by the CDK stack and the local gateway.

/** Stores and services a function uses; the stack derives grants, VPC placement and environment from it. */
export type Store =
  | 'postgres'
  | 'mongo'
  | 'redis'
  | 'connections'
  | 'uploads'
  | 'notifications'
  | 'wsManagement'

export interface FunctionSpec {
  /** Source file, relative to the repository root, exporting `handler`. */
  entry: string
  description: string
  uses: readonly Store[]
  timeoutSeconds?: number
  memoryMb?: number
}

export const functions = {
  health: {
    entry: 'functions/http/health.ts',
    description: 'GET /health: reports each store as reachable or not',
    uses: ['postgres', 'mongo', 'redis', 'connections', 'uploads', 'notifications'],
  },
  wsPing: {
    entry: 'functions/ws/ping.ts',
    description: 'ping action: answers pong through @connections',
    uses: ['wsManagement'],
  },
  wsDefault: {
    entry: 'functions/ws/default.ts',
    description: '$default: answers an error frame for an unknown action',
    uses: ['wsManagement'],
  },
} as const satisfies Record<string, FunctionSpec>

export type FunctionName = keyof typeof functions

export interface HttpRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  /** API Gateway path syntax: `/users/{id}`. */
  path: string
  function: FunctionName
}

export const httpRoutes: readonly HttpRoute[] = [{ method: 'GET', path: '/health', function: 'health' }]

export const webSocket = {
  /** Frames are routed on `$request.body.action`; unmatched frames go to `$default`. */
  routeSelectionExpression: '$request.body.action',
  routes: [
    { routeKey: '$default', function: 'wsDefault' },
    { routeKey: 'ping', function: 'wsPing' },
  ],
} as const satisfies WebSocketApi

export interface WebSocketApi {
  routeSelectionExpression: string
  /** A Lambda REQUEST authorizer run before `$connect`; its context reaches every route. */
  authorizer?: { function: FunctionName; identitySource: string }
  routes: readonly { routeKey: string; function: FunctionName }[]
}

export interface QueueConsumer {
  queue: 'notifications'
  function: FunctionName
  batchSize: number
  /** Receives before a job moves to the dead-letter queue. */
  maxReceiveCount: number
}

export const queueConsumers: readonly QueueConsumer[] = []

export interface Schedule {
  name: string
  function: FunctionName
  /** How often it runs in AWS (EventBridge); the local gateway may run it more often. */
  everyMinutes: number
}

export const schedules: readonly Schedule[] = []
