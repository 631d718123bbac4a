// One delivery job off the queue: message.new to its recipients' live connections, notification jobs for the rest
// unless the job says they get none (members who blocked the sender).
import type { SQSRecord } from 'aws-lambda'
import { logger } from '../log.ts'
import { notifyOffline } from '../notifications/producers.ts'
import { frames, placed } from '../protocol/ws.ts'
import type { JobQueue } from '../stores/sqs.ts'
import { deliverToUsers, type FanoutDeps } from './fanout.ts'
import { type DeliveryJob, parseDeliveryJob } from './jobs.ts'

export interface DeliverDeps {
  fanout: () => FanoutDeps
  /** Where message.new jobs go for recipients with no live connection. */
  notifications: () => JobQueue
}

/**
 * Throws to have the job retried: a lookup that failed, or notification jobs not queued. A retry posts to the
 * job's recipients again, so one may see the frame twice (its id and seq tell it so); notification job ids are
 * derived from message and user, so the inbox never gets a second entry.
 */
export async function handleDeliveryRecord(deps: DeliverDeps, record: SQSRecord): Promise<void> {
  let job: DeliveryJob
  try {
    job = parseDeliveryJob(record.body)
  } catch (error) {
    logger.warn('malformed delivery job', { messageId: record.messageId, error: error as Error })
    throw error
  }
  const frame = frames.messageNew(job.message)
  const delivery = await deliverToUsers(
    deps.fanout(),
    job.recipientIds,
    job.place ? placed(frame, job.place) : frame,
    {
      exceptConnectionId: job.exceptConnectionId,
    },
  )
  if (job.notifyOffline) await notifyOffline(deps.notifications(), job.message, delivery.offlineUserIds)
}
