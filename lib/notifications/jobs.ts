// Notification jobs: their schema, their ids, and how producers queue them (SendMessageBatch, ten at a time).
import { createHash } from 'node:crypto'
import {
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs'
import { z } from 'zod'
import { requireSetting } from '../config.ts'
import { sqsClient } from '../stores/sqs.ts'

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

export interface JobQueue {
  sqs: SQSClient
  queueUrl: string
}

/** The configured notification queue, through the process's shared SQS client unless given another. */
export function jobQueue(sqs: SQSClient = sqsClient()): JobQueue {
  return { sqs, queueUrl: requireSetting('NOTIFICATIONS_QUEUE_URL', 'required to queue notification jobs') }
}

const batchLimit = 10
const sendAttempts = 3

async function sendChunk(sqs: SQSClient, queueUrl: string, jobs: NotificationJob[]): Promise<void> {
  let pending: SendMessageBatchRequestEntry[] = jobs.map((job, index) => ({
    Id: String(index),
    MessageBody: JSON.stringify(job),
    MessageAttributes: { kind: { DataType: 'String', StringValue: job.kind } },
  }))
  for (let attempt = 1; ; attempt++) {
    const { Failed = [] } = await sqs.send(
      new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: pending }),
    )
    if (Failed.length === 0) return
    // An entry SQS failed on its side is sent again as it was, job id and all; one it refused as malformed is not.
    const retryable = Failed.every((failure) => !failure.SenderFault)
    if (!retryable || attempt >= sendAttempts) {
      const reasons = [...new Set(Failed.map((failure) => failure.Code ?? 'unknown'))].join(', ')
      throw new Error(`${Failed.length} notification jobs were not queued (${reasons})`)
    }
    const failedIds = new Set(Failed.map((failure) => failure.Id))
    pending = pending.filter((entry) => failedIds.has(entry.Id))
  }
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
  const chunks: NotificationJob[][] = []
  for (let start = 0; start < jobs.length; start += batchLimit)
    chunks.push(jobs.slice(start, start + batchLimit))
  await Promise.all(chunks.map((chunk) => sendChunk(sqs, queueUrl, chunk)))
  return jobs
}
