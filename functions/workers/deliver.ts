// SQS consumer of delivery jobs: Powertools batch processing, the batch's jobs at once, failed ones reported back.
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch'
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda'
import { fanoutDeps } from '../../lib/delivery/fanout.ts'
import { type DeliverDeps, handleDeliveryRecord } from '../../lib/delivery/worker.ts'
import { logger } from '../../lib/log.ts'
import { jobQueue } from '../../lib/notifications/jobs.ts'

export function createDeliverHandler(deps: DeliverDeps) {
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    logger.addContext(context)
    // A processor per invocation: it holds the batch's results, and the local runtime may overlap invocations.
    const processor = new BatchProcessor(EventType.SQS)
    return processPartialResponse(
      event,
      (record: SQSRecord) => handleDeliveryRecord(deps, record),
      processor,
      { context, throwOnFullBatchFailure: false },
    )
  }
}

export const handler = createDeliverHandler({ fanout: fanoutDeps, notifications: () => jobQueue() })
