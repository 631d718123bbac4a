// Shapes of the stateful resources that both the CDK stack and the local stores create.

export const connectionsTable = {
  partitionKey: 'connectionId',
  /**
   * Fan-out reads connection ids from it and revocation each one's session, so the index holds the keys and the
   * session id only: the least it can hold for both, at the least write cost.
   */
  byUserIndex: {
    name: 'byUser',
    partitionKey: 'userId',
    sortKey: 'connectionId',
    projection: { type: 'INCLUDE', nonKeyAttributes: ['sessionId'] },
  },
  ttlAttribute: 'expiresAt',
} as const

export const notificationQueue = {
  /** Receives before a job moves to the dead-letter queue. */
  maxReceiveCount: 5,
  /** At least six times the consumer's timeout, as AWS advises for Lambda event sources. */
  visibilityTimeoutSeconds: 180,
  deadLetterRetentionDays: 14,
} as const

export const uploadsBucket = {
  /** Presigned URLs live this long; SECURITY.md asks for at most 5 minutes. */
  presignSeconds: 300,
  /** Uploads never referenced by a message are removed after this many days. */
  abandonedUploadDays: 7,
  /**
   * The object tag an upload carries until a message references it (set through the presigned POST's
   * `tagging` field, removed or changed when attached); the bucket's lifecycle rule expires objects
   * still carrying it after `abandonedUploadDays`.
   */
  pendingTag: { key: 'upload-status', value: 'pending' },
} as const
