// The local SQS event source: batches, partial batch failures, retries, and the dead-letter queue after maxReceiveCount.
import { randomBytes } from 'node:crypto'
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs'
import type { SQSRecord } from 'aws-lambda'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { type LocalRuntime, startLocalRuntime } from '../../../infra/local/runtime.ts'
import { serve } from '../../../infra/local/stores/servers/sqs.ts'
import { recorded } from './fixtures/probe.ts'
import { fixtureEnv, fixtureRoutes } from './routes.ts'

const maxReceiveCount = 3
const run = randomBytes(4).toString('hex')
let server: { close(): Promise<void> } | undefined
let endpoint: string
let sqs: SQSClient
let runtime: LocalRuntime
const queues: Record<'redriven' | 'plain', { url: string; dlqUrl: string; arn: string }> = {
  redriven: { url: '', dlqUrl: '', arn: '' },
  plain: { url: '', dlqUrl: '', arn: '' },
}

async function createQueue(name: string, attributes: Record<string, string> = {}) {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  )
  return { url: QueueUrl ?? '', arn: Attributes?.QueueArn ?? '' }
}

/** Waits (long-polling, no sleeps) for the dead-letter queue to hold a message, and returns its body. */
async function deadLettered(dlqUrl: string): Promise<string> {
  for (;;) {
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, WaitTimeSeconds: 5 }))
    if (Messages?.[0]) return Messages[0].Body ?? ''
  }
}

const deliveriesOf = (queueArn: string) =>
  recorded<SQSRecord>('sqs').filter((r) => r.eventSourceARN === queueArn)

/** A runtime whose consumer fixture polls both queues. */
function startPollingRuntime(): Promise<LocalRuntime> {
  return startLocalRuntime({
    routes: {
      ...fixtureRoutes,
      queueConsumers: (['redriven', 'plain'] as const).map((queue) => ({
        queue,
        function: 'consumer',
        batchSize: 10,
        maxReceiveCount,
      })),
    },
    env: {
      ...fixtureEnv,
      AWS_ENDPOINT_URL_SQS: endpoint,
      REDRIVEN_QUEUE_URL: queues.redriven.url,
      REDRIVEN_DLQ_URL: queues.redriven.dlqUrl,
      PLAIN_QUEUE_URL: queues.plain.url,
      PLAIN_DLQ_URL: queues.plain.dlqUrl,
    },
    httpPort: 0,
    wsPort: 0,
  })
}

beforeAll(async () => {
  // The stores of the test run when they are up; a local SQS server of its own otherwise.
  if (process.env.AWS_ENDPOINT_URL_SQS) endpoint = process.env.AWS_ENDPOINT_URL_SQS
  else {
    const own = await serve({ port: 0, region: fixtureEnv.AWS_REGION })
    server = own
    endpoint = `http://127.0.0.1:${own.port}`
  }
  sqs = new SQSClient({
    region: fixtureEnv.AWS_REGION,
    endpoint,
    credentials: {
      accessKeyId: fixtureEnv.AWS_ACCESS_KEY_ID,
      secretAccessKey: fixtureEnv.AWS_SECRET_ACCESS_KEY,
    },
  })
  for (const kind of ['redriven', 'plain'] as const) {
    const dlq = await createQueue(`gateway-${kind}-${run}-dlq`)
    const redrive = JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount })
    const queue = await createQueue(`gateway-${kind}-${run}`, {
      VisibilityTimeout: '60',
      ...(kind === 'redriven' && { RedrivePolicy: redrive }),
    })
    queues[kind] = { url: queue.url, arn: queue.arn, dlqUrl: dlq.url }
  }
  runtime = await startPollingRuntime()
})
afterAll(async () => {
  await runtime?.stop()
  sqs?.destroy()
  await server?.close()
})

describe('the queue poller', () => {
  it.concurrent.for([
    ['with a RedrivePolicy', 'redriven'],
    ['without one, redriven by the poller', 'plain'],
  ] as const)(
    `on a queue %s: deletes successes once, dead-letters the failure after ${maxReceiveCount} receives`,
    async ([, kind], { expect }) => {
      const queue = queues[kind]
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queue.url,
          Entries: ['ok-1', 'fail', 'ok-2'].map((body, index) => ({
            Id: String(index),
            MessageBody: body,
            MessageAttributes: { kind: { DataType: 'String', StringValue: kind } },
          })),
        }),
      )
      expect(await deadLettered(queue.dlqUrl)).toBe('fail')

      const batches = recorded<SQSRecord[]>('sqs-batch').filter(
        (batch) => batch[0]?.eventSourceARN === queue.arn,
      )
      expect(batches[0]?.map((r) => r.body).sort()).toEqual(['fail', 'ok-1', 'ok-2'])
      const deliveries = deliveriesOf(queue.arn)
      expect(deliveries.filter((r) => r.body === 'ok-1')).toHaveLength(1)
      expect(deliveries.filter((r) => r.body === 'ok-2')).toHaveLength(1)
      const failures = deliveries.filter((r) => r.body === 'fail')
      expect(failures.map((r) => r.attributes.ApproximateReceiveCount)).toEqual(['1', '2', '3'])
      expect(new Set(failures.map((r) => r.messageId)).size).toBe(1)
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queue.url,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      )
      expect(Attributes).toMatchObject({
        ApproximateNumberOfMessages: '0',
        ApproximateNumberOfMessagesNotVisible: '0',
      })

      const [first] = deliveries
      expect(first).toMatchObject({
        eventSource: 'aws:sqs',
        eventSourceARN: queue.arn,
        awsRegion: 'us-east-1',
        messageAttributes: {
          kind: { stringValue: kind, dataType: 'String', stringListValues: [], binaryListValues: [] },
        },
      })
      expect(first?.md5OfBody).toMatch(/^[0-9a-f]{32}$/)
      expect(Object.keys(first?.attributes ?? {})).toEqual(
        expect.arrayContaining([
          'ApproximateReceiveCount',
          'SentTimestamp',
          'SenderId',
          'ApproximateFirstReceiveTimestamp',
        ]),
      )
    },
  )

  it('stops within a second while its pollers wait in 20 s long polls', async () => {
    const started = performance.now()
    await runtime.stop()
    expect(performance.now() - started).toBeLessThan(1000)
  })

  it('leaves the jobs sent after it stopped to the next runtime, none taken by its abandoned long polls', async () => {
    // The previous test stopped the runtime; its long polls were still waiting at the SQS server.
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queues.plain.url,
        Entries: [{ Id: '0', MessageBody: 'after-stop' }],
      }),
    )
    runtime = await startPollingRuntime()
    // Without the fix the job sat hidden, taken by a long poll nobody was waiting on, for its visibility timeout.
    await vi.waitFor(
      () => expect(deliveriesOf(queues.plain.arn).filter((r) => r.body === 'after-stop')).toHaveLength(1),
      {
        timeout: 15_000,
        interval: 50,
      },
    )
    const [delivery] = deliveriesOf(queues.plain.arn).filter((r) => r.body === 'after-stop')
    expect(delivery?.attributes.ApproximateReceiveCount).toBe('1')
  })
})
