// Queues of a test's own on the run's SQS, shaped like the notification queue, so no other test's jobs are consumed.
import { randomBytes, randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs'
import { notificationQueue } from '../../../infra/resources.ts'
import type { NotificationJobInput } from '../../../lib/notifications/jobs.ts'

export interface TestQueues {
  sqs: SQSClient
  url: string
  dlqUrl: string
  arn: string
}

/** A queue with a dead-letter queue after maxReceiveCount receives, as infra/local/stores/sqs.ts makes them. */
export async function testQueues(label: string): Promise<TestQueues> {
  const sqs = new SQSClient({ region: process.env.AWS_REGION ?? 'us-east-1' })
  const name = `test-${label}-${randomBytes(4).toString('hex')}`
  const attributesOf = async (url: string | undefined) =>
    (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }))).Attributes ??
    {}
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }))
  const redrive = { deadLetterTargetArn: (await attributesOf(dlq.QueueUrl)).QueueArn, maxReceiveCount: 5 }
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: {
        VisibilityTimeout: String(notificationQueue.visibilityTimeoutSeconds),
        RedrivePolicy: JSON.stringify(redrive),
      },
    }),
  )
  return {
    sqs,
    url: queue.QueueUrl as string,
    dlqUrl: dlq.QueueUrl as string,
    arn: (await attributesOf(queue.QueueUrl)).QueueArn as string,
  }
}

/**
 * Receives (and deletes) messages until `count` have arrived, or fails after five seconds. Short polls: the local
 * SQS holds a long poll open until it can fill the whole batch.
 */
export async function take(sqs: SQSClient, url: string, count: number): Promise<Message[]> {
  const all: Message[] = []
  const deadline = Date.now() + 5000
  while (all.length < count) {
    if (Date.now() > deadline) throw new Error(`only ${all.length} of ${count} messages arrived`)
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }),
    )
    if (Messages.length === 0) {
      await sleep(50)
      continue
    }
    all.push(...Messages)
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: Messages.map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle,
        })),
      }),
    )
  }
  return all
}

/** A friend.request job for `userId` from a made-up sender, at a distinct time. */
export function friendRequestJob(userId: string, fromName = 'ada_lovelace'): NotificationJobInput {
  return {
    kind: 'friend.request',
    userId,
    at: new Date(Date.now() - Math.floor(Math.random() * 1000)).toISOString(),
    from: { id: randomUUID(), username: fromName, displayName: 'Ada Lovelace' },
  }
}

/** A message.new job for `userId`. */
export function messageJob(userId: string, seq = 1): NotificationJobInput {
  return {
    kind: 'message.new',
    userId,
    at: new Date().toISOString(),
    conversationId: randomUUID(),
    messageId: randomBytes(12).toString('hex'),
    seq,
    senderId: randomUUID(),
    preview: `message ${seq}`,
  }
}
