// SQS event sources from the route table, with partial batch responses and a visibility timeout that fits.
import { Duration } from 'aws-cdk-lib'
import type * as lambda from 'aws-cdk-lib/aws-lambda'
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources'
import type * as sqs from 'aws-cdk-lib/aws-sqs'
import { jobQueues } from '../resources.ts'
import type { RouteTable } from './route-table.ts'

export interface QueueConsumersProps {
  consumers: RouteTable['queueConsumers']
  queues: Record<RouteTable['queueConsumers'][number]['queue'], sqs.IQueue>
  functions: (name: string) => lambda.Function
  /**
   * Concurrent batches of each queue's consumer (infra/capacity.ts): for notifications the plan's share of the
   * MongoDB connection budget, for delivery its share of API Gateway's request rate.
   */
  maxConcurrency: Record<RouteTable['queueConsumers'][number]['queue'], number>
}

/**
 * Checks the table against the queue before wiring: AWS advises a visibility timeout of at least six times
 * the consumer's timeout, and the table's receive count must be the one the queue's redrive policy uses.
 */
export function addQueueConsumers(props: QueueConsumersProps): void {
  for (const consumer of props.consumers) {
    const fn = props.functions(consumer.function)
    const shape = jobQueues[consumer.queue]
    const timeoutSeconds = fn.timeout?.toSeconds() ?? 3
    if (shape.visibilityTimeoutSeconds < 6 * timeoutSeconds) {
      throw new Error(
        `queue ${consumer.queue}: visibility timeout ${shape.visibilityTimeoutSeconds}s is under ` +
          `6 x ${consumer.function}'s timeout (${timeoutSeconds}s); raise it in infra/resources.ts or shorten the function`,
      )
    }
    if (consumer.maxReceiveCount !== shape.maxReceiveCount) {
      throw new Error(
        `queue ${consumer.queue}: route table says maxReceiveCount ${consumer.maxReceiveCount}, ` +
          `infra/resources.ts says ${shape.maxReceiveCount}`,
      )
    }
    fn.addEventSource(
      new SqsEventSource(props.queues[consumer.queue], {
        batchSize: consumer.batchSize,
        reportBatchItemFailures: true,
        maxConcurrency: props.maxConcurrency[consumer.queue],
        maxBatchingWindow: consumer.batchSize > 10 ? Duration.seconds(1) : undefined,
      }),
    )
  }
}
