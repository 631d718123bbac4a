// Shapes of the stateful resources that both the CDK stack and the local stores create. Those the code reads too
// are defined in lib/ (nothing there imports infra/) and re-exported here.

export { connectionsTable } from '../lib/connections/table.ts'
export { uploadsBucket } from '../lib/uploads/bucket.ts'

export interface QueueShape {
  /** Receives before a job moves to the dead-letter queue. */
  maxReceiveCount: number
  /** At least six times the consumer's timeout, as AWS advises for Lambda event sources. */
  visibilityTimeoutSeconds: number
  deadLetterRetentionDays: number
}

export const notificationQueue = {
  maxReceiveCount: 5,
  visibilityTimeoutSeconds: 180,
  deadLetterRetentionDays: 14,
} as const satisfies QueueShape

/**
 * Delivery jobs: a large room's message.new for a few dozen recipients each. A frame is worth little late, so a job
 * is tried three times (a redelivery posts again: a member may see the frame twice, and keeps its seq to tell).
 */
export const deliveryQueue = {
  maxReceiveCount: 3,
  visibilityTimeoutSeconds: 180,
  deadLetterRetentionDays: 4,
} as const satisfies QueueShape

/** Every job queue by the name the route table's consumers use. */
export const jobQueues = { notifications: notificationQueue, delivery: deliveryQueue } as const
export type QueueName = keyof typeof jobQueues
