// One notification job off the queue: validated, written to the user's inbox once, pushed to their live connections.
import type { SQSRecord } from 'aws-lambda'
import type { Db } from 'mongodb'
import type { Frame } from '../delivery/frames.ts'
import { InvalidError } from '../errors.ts'
import { logger } from '../log.ts'
import { frames } from '../protocol/ws.ts'
import { recordNotification } from './inbox.ts'
import { type NotificationJob, notificationJob } from './jobs.ts'

export interface NotifyDeps {
  mongo: () => Promise<Db>
  /** Sends a frame to every live connection of a user; answers whether any live connection took it. */
  push: (userId: string, frame: Frame) => Promise<boolean>
  /** Pushes a new message to the user's subscribed browsers (Web Push), for a user the frame found offline. */
  webPush?: (job: Extract<NotificationJob, { kind: 'message.new' }>) => Promise<unknown>
}

/** A body that is not a job can never become one: it fails every time and so ends in the dead-letter queue. */
export function parseJob(body: string): NotificationJob {
  let value: unknown
  try {
    value = JSON.parse(body)
  } catch {
    throw new InvalidError('notification job: the body is not JSON')
  }
  const result = notificationJob.safeParse(value)
  if (!result.success) {
    const issues = result.error.issues.slice(0, 3).map((issue) => `${issue.path.join('.')}: ${issue.message}`)
    throw new InvalidError(`notification job: ${issues.join('; ')}`)
  }
  return result.data
}

/**
 * Throws to have the job retried. A redelivered job finds its entry written and stops there, so neither the inbox,
 * the user's connections nor their browsers see it twice. A new message reaches the browsers by Web Push only when
 * no live connection took its frame (or the frame's delivery failed, so the user may be offline). Both pushes are
 * best effort: the inbox entry is what lasts, and a retry would find the entry and push nothing anyway.
 */
export async function handleNotificationRecord(deps: NotifyDeps, record: SQSRecord): Promise<void> {
  let job: NotificationJob
  try {
    job = parseJob(record.body)
  } catch (error) {
    logger.warn('malformed notification job', { messageId: record.messageId, error: error as Error })
    throw error
  }
  const { created, notification } = await recordNotification(await deps.mongo(), job)
  if (!created || !notification) return
  const online = await deps.push(job.userId, frames.notification(notification)).catch((error: unknown) => {
    logger.warn('notification not pushed', { jobId: job.jobId, error: error as Error })
    return false
  })
  if (job.kind !== 'message.new' || online || !deps.webPush) return
  await deps
    .webPush(job)
    .catch((error: unknown) =>
      logger.warn('message not pushed to browsers', { jobId: job.jobId, error: error as Error }),
    )
}
