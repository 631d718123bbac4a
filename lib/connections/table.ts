// The shape of the connections table, as the code reads it and as the CDK stack and the local stores create it.

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
  ttlAttribute: 'expiresAt',
} as const
