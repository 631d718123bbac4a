// Delivery jobs: a large room's message.new, split by recipient (and by the view each recipient is sent) into jobs
// the delivery worker fans out in parallel.
import * as z from 'zod'
import { requireSetting } from '../config.ts'
import { InvalidError } from '../errors.ts'
import { type Message, message as messageSchema } from '../protocol/messages.ts'
import { type SyncPlace, syncCursor } from '../protocol/ws.ts'
import { type JobQueue, sendJobs, sqsClient } from '../stores/sqs.ts'

/**
 * Rooms up to this many members are delivered inline, by the sending function, for latency; larger ones through
 * delivery jobs, so a room's size never holds up the sender's function (or its Lambda timeout).
 */
export const inlineDeliveryLimit = 50
/** Recipients a job carries at most: one BatchGetItem and a few dozen posts, done in well under a second. */
export const recipientsPerJob = 50

export const deliveryJob = z.strictObject({
  kind: z.literal('message.new'),
  /** The message as these recipients see it: whole, its quote hidden, or hidden (see messages/send.ts). */
  message: messageSchema,
  recipientIds: z.array(z.uuid()).min(1).max(recipientsPerJob),
  /** Whether recipients with no live connection get a notification job: never those who blocked the sender. */
  notifyOffline: z.boolean(),
  /** The sending connection, which had its ack. */
  exceptConnectionId: z.string().min(1).max(128).optional(),
  /** The message's place in the recipients' sync: its event number and the cursor after it. */
  place: z.strictObject({ event: z.number().int().positive(), cursor: syncCursor }).optional(),
})
export type DeliveryJob = z.infer<typeof deliveryJob>

/** One group of a message's recipients, with the view of it they are sent. */
export interface DeliveryView {
  message: Message
  recipientIds: readonly string[]
  notifyOffline: boolean
}

/** The configured delivery queue, through the process's shared SQS client unless given another. */
export function deliveryQueue(sqs = sqsClient()): JobQueue {
  return { sqs, queueUrl: requireSetting('DELIVERY_QUEUE_URL', 'required to deliver to large rooms') }
}

/**
 * `message.new` for each view's recipients, in jobs of at most `recipientsPerJob` that each carry their view: one
 * SendMessageBatch per ten jobs.
 */
export async function queueDelivery(
  queue: JobQueue,
  views: readonly DeliveryView[],
  options: { exceptConnectionId?: string; place?: SyncPlace & { event: number } } = {},
): Promise<number> {
  const jobs: DeliveryJob[] = []
  for (const view of views)
    for (let start = 0; start < view.recipientIds.length; start += recipientsPerJob)
      jobs.push({
        kind: 'message.new',
        message: view.message,
        recipientIds: view.recipientIds.slice(start, start + recipientsPerJob),
        notifyOffline: view.notifyOffline,
        ...(options.exceptConnectionId !== undefined && { exceptConnectionId: options.exceptConnectionId }),
        ...(options.place !== undefined && { place: options.place }),
      })
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
