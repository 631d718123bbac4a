// The one route table: every Lambda function and what invokes it, read by the CDK stack and the local gateway.

/** Stores and services a function uses; the stack derives grants, VPC placement and environment from it. */
export type Store =
  | 'postgres'
  | 'mongo'
  | 'redis'
  | 'connections'
  | 'uploads'
  | 'notifications'
  /** The queue of delivery jobs: a large room's message.new, a few dozen recipients a job. */
  | 'delivery'
  | 'wsManagement'
  /** The private key that signs access tokens: only functions that start sessions hold it. */
  | 'signingKey'
  /** The VAPID key pair that signs Web Push requests (the HTTP API hands out its public half). */
  | 'pushKeys'
  /** Account mail: SES v2, sending only from the configured identity. */
  | 'mail'
  /** The sign-in providers' client ids and secrets. */
  | 'oauthClients'

export interface FunctionSpec {
  /** Source file, relative to the repository root, exporting `handler`. */
  entry: string
  description: string
  uses: readonly Store[]
  /** Stores the function only checks are reachable: it gets their names and the one read its probe makes. */
  probes?: readonly Store[]
  /** Invoked by an operator through the Lambda API, so deployed under a name known in advance. */
  invokedByOperator?: boolean
  timeoutSeconds?: number
  memoryMb?: number
}

/**
 * Memory of the functions that hash passwords. Lambda gives CPU in proportion to memory (one full vCPU at
 * 1,769 MB) and Argon2id with p = 1 uses one core: 22 ms measured here on one core (`npm run bench`), so
 * 1,536 MB (87% of a core) keeps a hash near 25 ms, under 50 ms with room for a slower core.
 */
const argon2MemoryMb = 1536

export const functions = {
  health: {
    entry: 'functions/http/health.ts',
    description: 'GET /health: reports each store as reachable or not',
    uses: ['postgres', 'mongo', 'redis'],
    probes: ['connections', 'uploads', 'notifications'],
  },
  auth: {
    entry: 'functions/http/auth.ts',
    description:
      "/auth: signup, login, refresh, logout, email verification, password reset, the caller's sessions",
    uses: ['postgres', 'mongo', 'redis', 'connections', 'wsManagement', 'signingKey', 'mail'],
    // Argon2 hashing is CPU-bound: DEPLOY.md ("Password hashing and memory") sizes this.
    memoryMb: argon2MemoryMb,
  },
  oauth: {
    entry: 'functions/http/oauth.ts',
    description:
      '/auth/oauth: sign-in with Google (OpenID Connect) or GitHub, and the one-time code exchange',
    uses: ['postgres', 'mongo', 'redis', 'signingKey', 'oauthClients'],
  },
  users: {
    entry: 'functions/http/users.ts',
    description: '/users/me, /users/{id}, /users?q=: own and public profiles, search',
    uses: ['postgres', 'mongo', 'redis', 'connections', 'wsManagement'],
    memoryMb: argon2MemoryMb,
  },
  admin: {
    entry: 'functions/http/admin.ts',
    description: '/admin/users: list accounts, change a role, disable (admin role only)',
    uses: ['postgres', 'mongo', 'redis', 'connections', 'wsManagement'],
  },
  friends: {
    entry: 'functions/http/friends.ts',
    description: '/friends: requests, answers, blocks, lists of friends and pending requests',
    uses: ['postgres', 'mongo', 'redis', 'connections', 'wsManagement', 'notifications'],
  },
  uploads: {
    entry: 'functions/http/uploads.ts',
    description: 'POST /uploads, GET /uploads/{key+}: presigned POST to upload, presigned GET to read',
    uses: ['postgres', 'mongo', 'redis', 'uploads'],
  },
  notifications: {
    entry: 'functions/http/notifications.ts',
    description: 'GET /notifications, POST /notifications/read: the notification inbox',
    uses: ['postgres', 'mongo', 'redis'],
  },
  notify: {
    entry: 'functions/workers/notify.ts',
    description:
      'notification jobs from SQS: inbox entry once per job, then a frame to live connections or a Web Push',
    uses: ['postgres', 'mongo', 'connections', 'wsManagement', 'pushKeys'],
    timeoutSeconds: 30,
  },
  push: {
    entry: 'functions/http/push.ts',
    description:
      '/push: VAPID public key, Web Push subscriptions (endpoints checked against an allowlist), settings',
    uses: ['postgres', 'redis', 'pushKeys'],
  },
  wsPing: {
    entry: 'functions/ws/ping.ts',
    description: 'ping action: answers pong through @connections (counts as activity)',
    uses: ['wsManagement', 'redis'],
  },
  wsDefault: {
    entry: 'functions/ws/default.ts',
    description: '$default: answers an error frame for an unknown action (counts as activity)',
    uses: ['wsManagement', 'redis'],
  },
  wsAuthorizer: {
    entry: 'functions/ws/authorizer.ts',
    description: '$connect authorizer: the access token in ?token= of a live session, and the Origin',
    uses: ['postgres'],
  },
  wsConnect: {
    entry: 'functions/ws/connect.ts',
    description: '$connect: records the connection, marks the user online, tells online friends',
    uses: ['postgres', 'redis', 'connections', 'wsManagement'],
  },
  wsDisconnect: {
    entry: 'functions/ws/disconnect.ts',
    description: '$disconnect: forgets the connection; on the last one, tells online friends',
    uses: ['postgres', 'redis', 'connections', 'wsManagement'],
  },
  presence: {
    entry: 'functions/http/presence.ts',
    description: "GET /presence: friends' online status and last seen",
    uses: ['postgres', 'redis'],
  },
  reapIdle: {
    entry: 'functions/workers/reap-idle.ts',
    description: 'every minute: closes connections idle for IDLE_TIMEOUT_MINUTES through @connections',
    uses: ['postgres', 'redis', 'connections', 'wsManagement'],
    timeoutSeconds: 60,
  },
  conversations: {
    entry: 'functions/http/conversations.ts',
    description: '/conversations: direct and group conversations, members, history, sending, read markers',
    uses: [
      'postgres',
      'mongo',
      'redis',
      'connections',
      'wsManagement',
      'uploads',
      'notifications',
      'delivery',
    ],
  },
  wsSendMessage: {
    entry: 'functions/ws/send-message.ts',
    description:
      'sendMessage action: store, ack, message.new to members (a large room through delivery jobs)',
    uses: [
      'postgres',
      'mongo',
      'redis',
      'connections',
      'wsManagement',
      'uploads',
      'notifications',
      'delivery',
    ],
  },
  deliver: {
    entry: 'functions/workers/deliver.ts',
    description:
      "delivery jobs from SQS: a large room's message.new to a few dozen members, jobs for the offline",
    // No PostgreSQL, so outside the VPC: posts go straight to API Gateway, with no NAT in the way.
    uses: ['connections', 'wsManagement', 'notifications'],
    timeoutSeconds: 30,
  },
  wsTyping: {
    entry: 'functions/ws/typing.ts',
    description: 'typing action: start/stop to the other members online, rate-limited, never stored',
    uses: ['postgres', 'redis', 'connections', 'wsManagement'],
  },
  wsMarkRead: {
    entry: 'functions/ws/mark-read.ts',
    description: 'markRead action: moves the read marker forward, tells the other members',
    uses: ['postgres', 'redis', 'connections', 'wsManagement'],
  },
  wsMessageChange: {
    entry: 'functions/ws/message-change.ts',
    description:
      'editMessage, deleteMessage, react actions: change a message, record the event, tell the members (a large room through delivery jobs)',
    uses: ['postgres', 'mongo', 'redis', 'connections', 'wsManagement', 'delivery'],
  },
  wsAckDelivery: {
    entry: 'functions/ws/ack-delivery.ts',
    description: 'ackDelivery action: moves the delivery marker forward, tells the senders it newly covers',
    uses: ['postgres', 'redis', 'connections', 'wsManagement'],
  },
  sync: {
    entry: 'functions/http/sync.ts',
    description: "GET /sync: the caller's events since a cursor (messages, changes, members, friends), paged",
    uses: ['postgres', 'mongo', 'redis'],
  },
  wsResume: {
    entry: 'functions/ws/resume.ts',
    description: 'resume action: the events since a cursor as frames on the connection, then resumed',
    uses: ['postgres', 'mongo', 'redis', 'wsManagement'],
  },
  purgeSyncLog: {
    entry: 'functions/workers/purge-sync-log.ts',
    description: 'every hour: forgets sync log rows older than SYNC_RETENTION_DAYS',
    uses: ['postgres'],
    timeoutSeconds: 120,
  },
  createAdmin: {
    entry: 'functions/workers/create-admin.ts',
    description:
      'operator only: creates the first administrator, or promotes an account, in the private database',
    uses: ['postgres', 'mongo'],
    memoryMb: argon2MemoryMb,
    invokedByOperator: true,
  },
} as const satisfies Record<string, FunctionSpec>

export type FunctionName = keyof typeof functions

export interface HttpRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  /** API Gateway path syntax: `/users/{id}`. */
  path: string
  function: FunctionName
}

export const httpRoutes: readonly HttpRoute[] = [
  { method: 'GET', path: '/health', function: 'health' },
  { method: 'POST', path: '/auth/signup', function: 'auth' },
  { method: 'POST', path: '/auth/login', function: 'auth' },
  { method: 'POST', path: '/auth/refresh', function: 'auth' },
  { method: 'POST', path: '/auth/logout', function: 'auth' },
  { method: 'POST', path: '/auth/verify-email', function: 'auth' },
  { method: 'POST', path: '/auth/verify-email/resend', function: 'auth' },
  { method: 'POST', path: '/auth/password-reset', function: 'auth' },
  { method: 'POST', path: '/auth/password-reset/confirm', function: 'auth' },
  { method: 'GET', path: '/auth/sessions', function: 'auth' },
  { method: 'GET', path: '/auth/oauth/{provider}/start', function: 'oauth' },
  { method: 'GET', path: '/auth/oauth/{provider}/callback', function: 'oauth' },
  { method: 'POST', path: '/auth/oauth/exchange', function: 'oauth' },
  { method: 'DELETE', path: '/auth/sessions/{id}', function: 'auth' },
  { method: 'DELETE', path: '/auth/sessions', function: 'auth' },
  { method: 'GET', path: '/users/me', function: 'users' },
  { method: 'PATCH', path: '/users/me', function: 'users' },
  { method: 'DELETE', path: '/users/me', function: 'users' },
  { method: 'PUT', path: '/users/me/password', function: 'users' },
  { method: 'GET', path: '/users/{id}', function: 'users' },
  { method: 'GET', path: '/users', function: 'users' },
  { method: 'GET', path: '/admin/users', function: 'admin' },
  { method: 'PATCH', path: '/admin/users/{id}', function: 'admin' },
  { method: 'POST', path: '/friends/{userId}', function: 'friends' },
  { method: 'POST', path: '/friends/{userId}/accept', function: 'friends' },
  { method: 'POST', path: '/friends/{userId}/decline', function: 'friends' },
  { method: 'DELETE', path: '/friends/{userId}', function: 'friends' },
  { method: 'POST', path: '/friends/{userId}/block', function: 'friends' },
  { method: 'DELETE', path: '/friends/{userId}/block', function: 'friends' },
  { method: 'GET', path: '/friends', function: 'friends' },
  { method: 'GET', path: '/friends/requests', function: 'friends' },
  { method: 'GET', path: '/presence', function: 'presence' },
  { method: 'POST', path: '/uploads', function: 'uploads' },
  // Keys hold slashes; API Gateway and the local gateway both bind a greedy `{name+}` to the rest of the path.
  { method: 'GET', path: '/uploads/{key+}', function: 'uploads' },
  { method: 'GET', path: '/notifications', function: 'notifications' },
  { method: 'POST', path: '/notifications/read', function: 'notifications' },
  { method: 'GET', path: '/push/key', function: 'push' },
  { method: 'POST', path: '/push/subscriptions', function: 'push' },
  { method: 'DELETE', path: '/push/subscriptions/{id}', function: 'push' },
  { method: 'GET', path: '/push/settings', function: 'push' },
  { method: 'PUT', path: '/push/settings', function: 'push' },
  { method: 'POST', path: '/conversations', function: 'conversations' },
  { method: 'GET', path: '/conversations', function: 'conversations' },
  { method: 'GET', path: '/conversations/{id}', function: 'conversations' },
  { method: 'PATCH', path: '/conversations/{id}', function: 'conversations' },
  { method: 'POST', path: '/conversations/{id}/members', function: 'conversations' },
  { method: 'DELETE', path: '/conversations/{id}/members/{userId}', function: 'conversations' },
  { method: 'GET', path: '/conversations/{id}/messages', function: 'conversations' },
  { method: 'POST', path: '/conversations/{id}/messages', function: 'conversations' },
  { method: 'PATCH', path: '/conversations/{id}/messages/{seq}', function: 'conversations' },
  { method: 'DELETE', path: '/conversations/{id}/messages/{seq}', function: 'conversations' },
  { method: 'GET', path: '/conversations/{id}/messages/{seq}/edits', function: 'conversations' },
  { method: 'POST', path: '/conversations/{id}/messages/{seq}/reactions', function: 'conversations' },
  { method: 'POST', path: '/conversations/{id}/read', function: 'conversations' },
  { method: 'GET', path: '/sync', function: 'sync' },
]

export const webSocket = {
  /** Frames are routed on `$request.body.action`; unmatched frames go to `$default`. */
  routeSelectionExpression: '$request.body.action',
  authorizer: { function: 'wsAuthorizer', identitySource: 'route.request.querystring.token' },
  routes: [
    { routeKey: '$connect', function: 'wsConnect' },
    { routeKey: '$disconnect', function: 'wsDisconnect' },
    { routeKey: '$default', function: 'wsDefault' },
    { routeKey: 'ping', function: 'wsPing' },
    { routeKey: 'sendMessage', function: 'wsSendMessage' },
    { routeKey: 'typing', function: 'wsTyping' },
    { routeKey: 'markRead', function: 'wsMarkRead' },
    { routeKey: 'editMessage', function: 'wsMessageChange' },
    { routeKey: 'deleteMessage', function: 'wsMessageChange' },
    { routeKey: 'react', function: 'wsMessageChange' },
    { routeKey: 'ackDelivery', function: 'wsAckDelivery' },
    { routeKey: 'resume', function: 'wsResume' },
  ],
} as const satisfies WebSocketApi

export interface WebSocketApi {
  routeSelectionExpression: string
  /** A Lambda REQUEST authorizer run before `$connect`; its context reaches every route. */
  authorizer?: { function: FunctionName; identitySource: string }
  routes: readonly { routeKey: string; function: FunctionName }[]
}

export interface QueueConsumer {
  queue: 'notifications' | 'delivery'
  function: FunctionName
  batchSize: number
  /** Receives before a job moves to the dead-letter queue. */
  maxReceiveCount: number
}

export const queueConsumers: readonly QueueConsumer[] = [
  { queue: 'notifications', function: 'notify', batchSize: 10, maxReceiveCount: 5 },
  // Ten jobs an invocation, handled at once: up to 500 recipients in one instance, more instances as jobs queue.
  { queue: 'delivery', function: 'deliver', batchSize: 10, maxReceiveCount: 3 },
]

export interface Schedule {
  name: string
  function: FunctionName
  /** How often it runs in AWS (EventBridge); the local gateway may run it more often. */
  everyMinutes: number
}

export const schedules: readonly Schedule[] = [
  { name: 'reapIdle', function: 'reapIdle', everyMinutes: 1 },
  { name: 'purgeSyncLog', function: 'purgeSyncLog', everyMinutes: 60 },
]
