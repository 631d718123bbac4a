// Notification jobs: their schema, their ids, and how producers queue them (SendMessageBatch, ten at a time).
import { createHash } from 'node:crypto'
import type { SQSClient } from '@aws-sdk/client-sqs'
import * as z from 'zod'
import { requireSetting } from '../config.ts'
import { type JobQueue, sendJobs, sqsClient } from '../stores/sqs.ts'

const profile = z.strictObject({
  id: z.uuid(),
  username: z.string().min(1).max(64),
  displayName: z.string().min(1).max(128),
})

const common = {
  jobId: z.uuid(),
  /** Whose inbox the job writes. */
  userId: z.uuid(),
  /** When the event happened; the inbox orders by it. */
  at: z.iso.datetime({ offset: true }),
}

export const maxPreviewLength = 140

export const notificationJob = z.discriminatedUnion('kind', [
  z.strictObject({
    ...common,
    kind: z.literal('message.new'),
    conversationId: z.uuid(),
    messageId: z.string().min(1).max(64),
    seq: z.number().int().positive(),
    senderId: z.uuid(),
    preview: z.string().max(maxPreviewLength),
  }),
  z.strictObject({ ...common, kind: z.literal('friend.request'), from: profile }),
  z.strictObject({ ...common, kind: z.literal('friend.accepted'), from: profile }),
])
export type NotificationJob = z.infer<typeof notificationJob>
export type NotificationKind = NotificationJob['kind']

type WithoutJobId<T> = T extends unknown ? Omit<T, 'jobId'> & { jobId?: string } : never
/** A job as producers describe it; the id is derived when not given. */
export type NotificationJobInput = WithoutJobId<NotificationJob>

/**
 * The same event for the same user always gets the same id, so a producer that retries (or a client that
 * resends a message it already sent) queues a job the worker recognises as done. Shaped as a UUID, version 8.
 */
export function jobIdOf(job: NotificationJobInput): string {
  const identity =
    job.kind === 'message.new'
      ? [job.kind, job.messageId, job.userId]
      : [job.kind, job.from.id, job.userId, job.at]
  const hex = createHash('sha256').update(identity.join('\n')).digest('hex')
  const variant = ((Number.parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16)
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}

export type { JobQueue }

/** The configured notification queue, through the process's shared SQS client unless given another. */
export function jobQueue(sqs: SQSClient = sqsClient()): JobQueue {
  return { sqs, queueUrl: requireSetting('NOTIFICATIONS_QUEUE_URL', 'required to queue notification jobs') }
}

/**
 * Validates and queues jobs with one SendMessageBatch per ten (concurrently), never one call per recipient.
 * Returns the jobs as queued, ids included.
 */
export async function enqueueNotifications(
  sqs: SQSClient,
  queueUrl: string,
  inputs: readonly NotificationJobInput[],
): Promise<NotificationJob[]> {
  const jobs = inputs.map((input) =>
    notificationJob.parse({ ...input, jobId: input.jobId ?? jobIdOf(input) }),
  )
  await sendJobs(
    { sqs, queueUrl },
    jobs.map((job) => ({ body: JSON.stringify(job), kind: job.kind })),
  )
  return jobs
}
