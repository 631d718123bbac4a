// Lambda's SQS event source, locally: long-polls each consumer's queue, invokes in batches, honours partial failures.
import { setTimeout as sleep } from 'node:timers/promises'
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs'
import { sqsEvent } from './events.ts'
import type { LocalFunctions } from './lambda.ts'
import type { RouteTable } from './table.ts'

export interface QueuePollerOptions {
  table: RouteTable
  functions: LocalFunctions
  env: Record<string, string | undefined>
  log: (line: string) => void
}

type Consumer = RouteTable['queueConsumers'][number]

/** Queue `notifications` reads its URLs from NOTIFICATIONS_QUEUE_URL and NOTIFICATIONS_DLQ_URL. */
const envPrefix = (queue: string) => queue.replace(/[^A-Za-z0-9]+/g, '_').toUpperCase()

/** The ids Lambda must retry: none on success, all when the partial response is malformed (as Lambda does). */
function failuresOf(result: unknown, messages: Message[]): Set<string> {
  const all = new Set(messages.map((message) => message.MessageId ?? ''))
  if (typeof result !== 'object' || result === null || !('batchItemFailures' in result)) return new Set()
  const failures = result.batchItemFailures
  if (failures == null) return new Set()
  if (!Array.isArray(failures)) return all
  const ids = failures.map((failure: { itemIdentifier?: unknown }) => failure?.itemIdentifier)
  return ids.every((id) => typeof id === 'string' && all.has(id)) ? new Set(ids as string[]) : all
}

export function startQueuePollers(options: QueuePollerOptions): { stop(): Promise<void> } {
  const { env, functions, log } = options
  const sqs = new SQSClient({
    region: env.AWS_REGION ?? 'us-east-1',
    endpoint: env.AWS_ENDPOINT_URL_SQS ?? env.AWS_ENDPOINT_URL,
  })
  const abort = new AbortController()
  const signal = abort.signal

  async function remove(queueUrl: string, messages: Message[]) {
    if (messages.length === 0) return
    const Entries = messages.map((message, index) => ({
      Id: String(index),
      ReceiptHandle: message.ReceiptHandle,
    }))
    const result = await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries }))
    for (const failure of result.Failed ?? []) log(`could not delete a message: ${failure.Message}`)
  }

  /** Redrive, for a queue that has no RedrivePolicy of its own: the job moves to the DLQ instead of running again. */
  async function deadLetter(queue: string, dlqUrl: string, queueUrl: string, messages: Message[]) {
    for (const message of messages) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: dlqUrl,
          MessageBody: message.Body,
          MessageAttributes: message.MessageAttributes,
        }),
      )
      log(`queue ${queue}: ${message.MessageId} moved to the dead-letter queue`)
    }
    await remove(queueUrl, messages)
  }

  async function deliver(consumer: Consumer, queueUrl: string, queueArn: string, messages: Message[]) {
    const dlqUrl = env[`${envPrefix(consumer.queue)}_DLQ_URL`]
    const receives = (message: Message) => Number(message.Attributes?.ApproximateReceiveCount ?? '1')
    const spent = dlqUrl ? messages.filter((message) => receives(message) > consumer.maxReceiveCount) : []
    if (dlqUrl && spent.length > 0) await deadLetter(consumer.queue, dlqUrl, queueUrl, spent)
    const batch = messages.filter((message) => !spent.includes(message))
    if (batch.length === 0) return
    let failed: Set<string>
    try {
      failed = failuresOf(await functions.invoke(consumer.function, sqsEvent(batch, queueArn)), batch)
    } catch (error) {
      log(`${consumer.function} failed on ${batch.length} messages: ${String(error)}`)
      failed = new Set(batch.map((message) => message.MessageId ?? ''))
    }
    await remove(
      queueUrl,
      batch.filter((message) => !failed.has(message.MessageId ?? '')),
    )
    log(`queue ${consumer.queue}: ${batch.length - failed.size} done, ${failed.size} to retry`)
  }

  async function poll(consumer: Consumer, queueUrl: string) {
    const attributes = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
      { abortSignal: signal },
    )
    const queueArn = attributes.Attributes?.QueueArn ?? queueUrl
    // Failures are not handed back with ChangeMessageVisibility: local-aws-sqs counts that as one more receive,
    // which would redrive jobs early. They reappear when this receive-time visibility (the timeout, plus 1 s) ends.
    const VisibilityTimeout = Math.ceil(functions.timeoutMs(consumer.function) / 1000) + 1
    const batchSize = Math.min(consumer.batchSize, 10)
    const receive = async () => {
      // A long poll, answered (by SQS and by the local SQS server alike) as soon as any message is visible.
      const received = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: batchSize,
          WaitTimeSeconds: 20,
          VisibilityTimeout,
          // local-aws-sqs reads only the older AttributeNames; SQS takes either.
          AttributeNames: ['All'],
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
        { abortSignal: signal },
      )
      return received.Messages ?? []
    }
    while (!signal.aborted) {
      try {
        const batch = await receive()
        if (batch.length > 0) await deliver(consumer, queueUrl, queueArn, batch)
      } catch (error) {
        if (signal.aborted) return
        log(`queue ${consumer.queue}: ${String(error)}; polling again in 1 s`)
        await sleep(1000, undefined, { signal }).catch(() => undefined)
      }
    }
  }

  const loops = options.table.queueConsumers.map(async (consumer) => {
    const queueUrl = env[`${envPrefix(consumer.queue)}_QUEUE_URL`]
    if (!queueUrl)
      return log(`queue ${consumer.queue}: no ${envPrefix(consumer.queue)}_QUEUE_URL, not polled`)
    await poll(consumer, queueUrl).catch((error: unknown) => {
      if (!signal.aborted) log(`queue ${consumer.queue}: poller stopped: ${String(error)}`)
    })
  })

  return {
    async stop() {
      abort.abort()
      await Promise.all(loops)
      sqs.destroy()
    },
  }
}
