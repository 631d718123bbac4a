// Delivery jobs: a large room's message.new, split by recipient into jobs the delivery worker fans out in parallel.
import * as z from 'zod'
import { requireSetting } from '../config.ts'
import { InvalidError } from '../errors.ts'
import type { Message } from '../messages/store.ts'
import { type JobQueue, sendJobs, sqsClient } from '../stores/sqs.ts'

/**
 * Rooms up to this many members are delivered inline, by the sending function, for latency; larger ones through
 * delivery jobs, so a room's size never holds up the sender's function (or its Lambda timeout).
 */
export const inlineDeliveryLimit = 50
/** Recipients a job carries at most: one BatchGetItem and a few dozen posts, done in well under a second. */
export const recipientsPerJob = 50

const attachment = z.looseObject({ name: z.string() })
/** The stored message, as in its `message.new` frame; passed through whole, checked for what the worker reads. */
const message = z.looseObject({
  id: z.string().min(1),
  conversationId: z.uuid(),
  seq: z.number().int().positive(),
  senderId: z.uuid(),
  body: z.string(),
  attachments: z.array(attachment),
  createdAt: z.iso.datetime({ offset: true }),
})

export const deliveryJob = z.strictObject({
  kind: z.literal('message.new'),
  message,
  recipientIds: z.array(z.uuid()).min(1).max(recipientsPerJob),
  /** The sending connection, which had its ack. */
  exceptConnectionId: z.string().min(1).max(128).optional(),
})
export type DeliveryJob = z.infer<typeof deliveryJob>

/** The configured delivery queue, through the process's shared SQS client unless given another. */
export function deliveryQueue(sqs = sqsClient()): JobQueue {
  return { sqs, queueUrl: requireSetting('DELIVERY_QUEUE_URL', 'required to deliver to large rooms') }
}

/** `message.new` for `recipientIds`, in jobs of at most `recipientsPerJob`: one SendMessageBatch per ten jobs. */
export async function queueDelivery(
  queue: JobQueue,
  sent: Message,
  recipientIds: readonly string[],
  options: { exceptConnectionId?: string } = {},
): Promise<number> {
  const jobs: (Omit<DeliveryJob, 'message'> & { message: Message })[] = []
  for (let start = 0; start < recipientIds.length; start += recipientsPerJob) {
    jobs.push({
      kind: 'message.new',
      message: sent,
      recipientIds: recipientIds.slice(start, start + recipientsPerJob),
      ...(options.exceptConnectionId !== undefined && { exceptConnectionId: options.exceptConnectionId }),
    })
  }
  await sendJobs(
    queue,
    jobs.map((job) => ({ body: JSON.stringify(job), kind: job.kind })),
  )
  return jobs.length
}

/** A body that is not a job never becomes one: it fails each receive and ends in the dead-letter queue. */
export function parseDeliveryJob(body: string): DeliveryJob {
  let value: unknown
  try {
    value = JSON.parse(body)
  } catch {
    throw new InvalidError('delivery job: the body is not JSON')
  }
  const result = deliveryJob.safeParse(value)
  if (!result.success) {
    const issues = result.error.issues.slice(0, 3).map((issue) => `${issue.path.join('.')}: ${issue.message}`)
    throw new InvalidError(`delivery job: ${issues.join('; ')}`)
  }
  return result.data
}
