// What sending needs beyond the other messaging actions; apart, so typing and markRead bundle no S3 or SQS client.
import { deliveryQueue } from '../delivery/jobs.ts'
import { type JobQueue, jobQueue } from '../notifications/jobs.ts'
import { type UploadStore, uploadStore } from '../uploads/store.ts'
import { type MessagingDeps, messagingDeps } from './deps.ts'

export interface SendingDeps extends MessagingDeps {
  /** Where attachments are checked: the sender's own uploads, present, of the declared type and size. */
  uploads: () => UploadStore
  /** Where message.new jobs go for members with no live connection. */
  notifications: () => JobQueue
  /** Where a large room's message.new goes, in delivery jobs, rather than being posted by the sender's function. */
  delivery: () => JobQueue
}

export const sendingDeps: SendingDeps = {
  ...messagingDeps,
  uploads: () => uploadStore(),
  notifications: () => jobQueue(),
  delivery: () => deliveryQueue(),
}
