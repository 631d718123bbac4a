// The shape of the connections table, as the code reads it and as the CDK stack and the local stores create it.

/** API Gateway ends a connection after 2 hours; the record outlives that a little so TTL never races a live one. */
export const connectionTtlSeconds = 2 * 60 * 60 + 10 * 60

export const connectionsTable = {
  partitionKey: 'connectionId',
  /**
   * Revocation reads each of a user's connections with its session id from it, so the index holds the keys and
   * the session id only: the least it can hold for that, at the least write cost.
   */
  byUserIndex: {
    name: 'byUser',
    partitionKey: 'userId',
    sortKey: 'connectionId',
    projection: { type: 'INCLUDE', nonKeyAttributes: ['sessionId'] },
  },
  /**
   * Beside the connection items, one item per user with a live connection, keyed `user#<userId>` (no connection id
   * looks like that: API Gateway's are base64): `connectionIds`, a string set. Fan-out reads up to 100 users' sets
   * with one BatchGetItem, where the byUser index would take one Query per user. It carries no `userId`, so the
   * index never holds it; its TTL follows its newest connection's.
   */
  userItem: { keyPrefix: 'user#', connectionIds: 'connectionIds' },
  ttlAttribute: 'expiresAt',
} as const
