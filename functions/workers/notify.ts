// SQS consumer of notification jobs: Powertools batch processing, failed records reported back for retry.
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch'
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda'
import { deliverToUsers, fanoutDeps } from '../../lib/delivery/fanout.ts'
import { logger } from '../../lib/log.ts'
import { handleNotificationRecord, type NotifyDeps } from '../../lib/notifications/worker.ts'
import { pushEndpointPolicy, vapidKeys } from '../../lib/push/keys.ts'
import { pushMessage } from '../../lib/push/send.ts'
import { mongoDb } from '../../lib/stores/mongo.ts'
import { postgresClient } from '../../lib/stores/postgres.ts'

export function createNotifyHandler(deps: NotifyDeps) {
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    logger.addContext(context)
    // A processor per invocation: it holds the batch's results, and the local runtime may overlap invocations.
    const processor = new BatchProcessor(EventType.SQS)
    return processPartialResponse(
      event,
      (record: SQSRecord) => handleNotificationRecord(deps, record),
      processor,
      // A batch that fails whole is reported like any other, rather than thrown: Lambda retries the same records.
      { context, throwOnFullBatchFailure: false },
    )
  }
}

export const handler = createNotifyHandler({
  mongo: mongoDb,
  push: async (userId, frame) =>
    !(await deliverToUsers(fanoutDeps(), [userId], frame)).offlineUserIds.includes(userId),
  webPush: (job) => pushMessage({ sql: postgresClient, keys: vapidKeys, policy: pushEndpointPolicy }, job),
})
