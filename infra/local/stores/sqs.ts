// SQS for local runs: AWS_ENDPOINT_URL_SQS when given, else local-aws-sqs in memory; holds each job queue and its DLQ.
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs'
import { jobQueues, type QueueName, type QueueShape } from '../../resources.ts'
import { fromEnvironment, type RunningStore, type StoreContext } from './store.ts'
import { supervise } from './supervisor.ts'

interface Queues {
  queueUrl: string
  dlqUrl: string
}

async function ensureQueues(client: SQSClient, name: string, shape: QueueShape): Promise<Queues> {
  const { maxReceiveCount, visibilityTimeoutSeconds, deadLetterRetentionDays } = shape
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

/** Makes each job queue and its DLQ at `endpoint` unless they are there, and returns their URLs by queue. */
async function prepareQueues(endpoint: string, { aws }: StoreContext): Promise<Record<QueueName, Queues>> {
  const client = new SQSClient({ ...aws, endpoint })
  try {
    const names = Object.keys(jobQueues) as QueueName[]
    const made = await Promise.all(
      names.map((name) => ensureQueues(client, `chat-local-${name}`, jobQueues[name])),
    )
    return Object.fromEntries(names.map((name, i) => [name, made[i]])) as Record<QueueName, Queues>
  } finally {
    client.destroy()
  }
}

export async function startSqs(context: StoreContext): Promise<RunningStore> {
  // The names the functions and the gateway's queue poller read: NOTIFICATIONS_QUEUE_URL, DELIVERY_DLQ_URL, ...
  const storeEnv = (endpoint: string, queues: Record<QueueName, Queues>) => ({
    AWS_ENDPOINT_URL_SQS: endpoint,
    ...Object.fromEntries(
      Object.entries(queues).flatMap(([name, { queueUrl, dlqUrl }]) => [
        [`${name.toUpperCase()}_QUEUE_URL`, queueUrl],
        [`${name.toUpperCase()}_DLQ_URL`, dlqUrl],
      ]),
    ),
  })
  const given = context.env.AWS_ENDPOINT_URL_SQS
  if (given) return fromEnvironment('sqs', given, storeEnv(given, await prepareQueues(given, context)))

  // local-aws-sqs keeps its queues in memory: a restarted one gets them again (their messages are lost), at the
  // same URLs since it listens on the same port.
  let queues: Record<QueueName, Queues> | undefined
  const server = await supervise({
    name: 'sqs',
    server: 'sqs',
    options: { region: context.aws.region },
    env: context.env,
    log: context.log,
    prepare: async (port) => {
      queues = await prepareQueues(`http://127.0.0.1:${port}`, context)
    },
  })
  const endpoint = `http://127.0.0.1:${server.port}`
  return {
    stores: [{ name: 'sqs', endpoint, source: 'started' }],
    env: storeEnv(endpoint, queues as NonNullable<typeof queues>),
    stop: server.stop,
  }
}
