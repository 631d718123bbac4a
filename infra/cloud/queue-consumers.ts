// SQS event sources from the route table, with partial batch responses and a visibility timeout that fits.
import { Duration } from 'aws-cdk-lib'
import type * as lambda from 'aws-cdk-lib/aws-lambda'
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources'
import type * as sqs from 'aws-cdk-lib/aws-sqs'
import { notificationQueue } from '../resources.ts'
import type { RouteTable } from './route-table.ts'

export interface QueueConsumersProps {
  consumers: RouteTable['queueConsumers']
  queues: Record<RouteTable['queueConsumers'][number]['queue'], sqs.IQueue>
  functions: (name: string) => lambda.Function
  /** Concurrent batches per consumer: the plan's share of the MongoDB connection budget (infra/capacity.ts). */
  maxConcurrency: number
}

/**
 * Checks the table against the queue before wiring: AWS advises a visibility timeout of at least six times
 * the consumer's timeout, and the table's receive count must be the one the queue's redrive policy uses.
 */
export function addQueueConsumers(props: QueueConsumersProps): void {
  for (const consumer of props.consumers) {
    const fn = props.functions(consumer.function)
    const timeoutSeconds = fn.timeout?.toSeconds() ?? 3
    if (notificationQueue.visibilityTimeoutSeconds < 6 * timeoutSeconds) {
      throw new Error(
        `queue ${consumer.queue}: visibility timeout ${notificationQueue.visibilityTimeoutSeconds}s is under ` +
          `6 x ${consumer.function}'s timeout (${timeoutSeconds}s); raise it in infra/resources.ts or shorten the function`,
      )
    }
    if (consumer.maxReceiveCount !== notificationQueue.maxReceiveCount) {
      throw new Error(
        `queue ${consumer.queue}: route table says maxReceiveCount ${consumer.maxReceiveCount}, ` +
          `infra/resources.ts says ${notificationQueue.maxReceiveCount}`,
      )
    }
    fn.addEventSource(
      new SqsEventSource(props.queues[consumer.queue], {
        batchSize: consumer.batchSize,
        reportBatchItemFailures: true,
        maxConcurrency: props.maxConcurrency,
        maxBatchingWindow: consumer.batchSize > 10 ? Duration.seconds(1) : undefined,
      }),
    )
  }
}
