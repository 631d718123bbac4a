// A queue of jobs for a worker: encrypted, TLS-only SQS whose failing jobs move to a dead-letter queue.
import { Duration } from 'aws-cdk-lib'
import * as sqs from 'aws-cdk-lib/aws-sqs'
import { Construct } from 'constructs'
import type { QueueShape } from '../resources.ts'

export class JobQueue extends Construct {
  readonly queue: sqs.Queue
  readonly deadLetterQueue: sqs.Queue

  constructor(scope: Construct, id: string, shape: QueueShape) {
    super(scope, id)
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(shape.deadLetterRetentionDays),
    })
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(shape.visibilityTimeoutSeconds),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: shape.maxReceiveCount },
    })
  }
}
