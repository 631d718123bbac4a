// Notification jobs: an encrypted, TLS-only SQS queue whose failing jobs move to a dead-letter queue.
import { Duration } from 'aws-cdk-lib'
import * as sqs from 'aws-cdk-lib/aws-sqs'
import { Construct } from 'constructs'
import { notificationQueue } from '../resources.ts'

export class NotificationQueue extends Construct {
  readonly queue: sqs.Queue
  readonly deadLetterQueue: sqs.Queue

  constructor(scope: Construct, id: string) {
    super(scope, id)
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(notificationQueue.deadLetterRetentionDays),
    })
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(notificationQueue.visibilityTimeoutSeconds),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: notificationQueue.maxReceiveCount },
    })
  }
}
