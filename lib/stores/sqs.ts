// SQS client for job queues (the endpoint comes from AWS_ENDPOINT_URL_SQS), and the batched send every producer uses.
import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, SQSClient } from '@aws-sdk/client-sqs'
import { config } from '../config.ts'

let client: SQSClient | undefined

export function sqsClient(): SQSClient {
  // Each command's middleware resolved once, not at every send (see ws-management.ts).
  client ??= new SQSClient({ region: config().AWS_REGION, maxAttempts: 3, cacheMiddleware: true })
  return client
}

/** A queue of jobs and the client that reaches it. */
export interface JobQueue {
  sqs: SQSClient
  queueUrl: string
}

/** A job as sent: its JSON body, and its kind as a message attribute (for filtering and metrics). */
export interface QueuedJob {
  body: string
  kind: string
}

const batchLimit = 10
const sendAttempts = 3

async function sendChunk(queue: JobQueue, jobs: readonly QueuedJob[]): Promise<void> {
  let pending: SendMessageBatchRequestEntry[] = jobs.map((job, index) => ({
    Id: String(index),
    MessageBody: job.body,
    MessageAttributes: { kind: { DataType: 'String', StringValue: job.kind } },
  }))
  for (let attempt = 1; ; attempt++) {
    const { Failed = [] } = await queue.sqs.send(
      new SendMessageBatchCommand({ QueueUrl: queue.queueUrl, Entries: pending }),
    )
    if (Failed.length === 0) return
    // An entry SQS failed on its side is sent again as it was; one it refused as malformed is not.
    const retryable = Failed.every((failure) => !failure.SenderFault)
    if (!retryable || attempt >= sendAttempts) {
      const reasons = [...new Set(Failed.map((failure) => failure.Code ?? 'unknown'))].join(', ')
      throw new Error(`${Failed.length} jobs were not queued (${reasons})`)
    }
    const failedIds = new Set(Failed.map((failure) => failure.Id))
    pending = pending.filter((entry) => failedIds.has(entry.Id))
  }
}

/** Queues jobs with one SendMessageBatch per ten, all at once: never one call per job. */
export async function sendJobs(queue: JobQueue, jobs: readonly QueuedJob[]): Promise<void> {
  const chunks: QueuedJob[][] = []
  for (let start = 0; start < jobs.length; start += batchLimit)
    chunks.push(jobs.slice(start, start + batchLimit))
  await Promise.all(chunks.map((chunk) => sendChunk(queue, chunk)))
}
