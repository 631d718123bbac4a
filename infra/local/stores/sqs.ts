// SQS for local runs: AWS_ENDPOINT_URL_SQS when given, else local-aws-sqs in memory; holds the notification queue and DLQ.
import type { Server } from 'node:http'
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs'
import { createSqsServer } from 'local-aws-sqs'
import { notificationQueue } from '../../resources.ts'
import { closeServer } from './listen.ts'
import type { RunningStore, StoreContext } from './store.ts'

async function ensureQueues(client: SQSClient, name: string) {
  const { maxReceiveCount, visibilityTimeoutSeconds, deadLetterRetentionDays } = notificationQueue
  const dlq = await client.send(
    new CreateQueueCommand({
      QueueName: `${name}-dlq`,
      Attributes: { MessageRetentionPeriod: String(deadLetterRetentionDays * 24 * 60 * 60) },
    }),
  )
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }),
  )
  const queue = await client.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: {
        VisibilityTimeout: String(visibilityTimeoutSeconds),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes?.QueueArn, maxReceiveCount }),
      },
    }),
  )
  return { queueUrl: queue.QueueUrl as string, dlqUrl: dlq.QueueUrl as string }
}

export async function startSqs({ env, aws }: StoreContext): Promise<RunningStore> {
  const given = env.AWS_ENDPOINT_URL_SQS
  let server: Server | undefined
  if (!given) {
    // Port 0 is honoured: the queue URLs it hands out carry the port the OS picked.
    server = await createSqsServer({ port: 0, hostname: '127.0.0.1', region: aws.region })
  }
  const address = server?.address()
  const endpoint = given ?? `http://127.0.0.1:${typeof address === 'object' ? address?.port : address}`
  const stop = async () => {
    if (server) await closeServer(server)
  }
  const client = new SQSClient({ ...aws, endpoint })
  try {
    const { queueUrl, dlqUrl } = await ensureQueues(client, 'chat-local-notifications')
    return {
      stores: [{ name: 'sqs', endpoint, source: server ? 'started' : 'environment' }],
      env: {
        AWS_ENDPOINT_URL_SQS: endpoint,
        NOTIFICATIONS_QUEUE_URL: queueUrl,
        NOTIFICATIONS_DLQ_URL: dlqUrl,
      },
      stop,
    }
  } catch (error) {
    await stop()
    throw error
  } finally {
    client.destroy()
  }
}
