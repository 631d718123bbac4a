// Shapes of the stateful resources that both the CDK stack and the local stores create. Those the code reads too
// are defined in lib/ (nothing there imports infra/) and re-exported here.

export { connectionsTable } from '../lib/connections/table.ts'
export { uploadsBucket } from '../lib/uploads/bucket.ts'

export const notificationQueue = {
  /** Receives before a job moves to the dead-letter queue. */
  maxReceiveCount: 5,
  /** At least six times the consumer's timeout, as AWS advises for Lambda event sources. */
  visibilityTimeoutSeconds: 180,
  deadLetterRetentionDays: 14,
} as const
