// Notification jobs through the local gateway's SQS poller and the real notify function: dedupe, retries, DLQ.
import { randomUUID } from 'node:crypto'
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs'
import type { Db } from 'mongodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RouteTable } from '../../../infra/local/gateway/table.ts'
import { type LocalRuntime, startLocalRuntime } from '../../../infra/local/runtime.ts'
import { functions, queueConsumers } from '../../../infra/routes.ts'
import { collections } from '../../../lib/migrations/mongo.ts'
import type { InboxPage, NotificationDocument } from '../../../lib/notifications/inbox.ts'
import { jobIdOf } from '../../../lib/notifications/jobs.ts'
import { notificationUserEventSink, notifyOffline } from '../../../lib/notifications/producers.ts'
import { mongoDb } from '../../../lib/stores/mongo.ts'
import { type Call, filesApi, type Person, person } from '../uploads/api.ts'
import { friendRequestJob, messageJob, type TestQueues, testQueues } from './queues.ts'

/** The real consumer and function, with a short timeout: the poller's visibility timeout (and so each retry) follows it. */
const table: RouteTable = {
  functions: { notify: { ...functions.notify, timeoutSeconds: 2 } },
  httpRoutes: [],
  webSocket: { routeSelectionExpression: '$request.body.action', routes: [] },
  queueConsumers,
  schedules: [],
}

let queues: TestQueues
let runtime: LocalRuntime
let db: Db
let call: Call
const log: string[] = []

beforeAll(async () => {
  queues = await testQueues('poller')
  db = await mongoDb()
  call = filesApi()
  runtime = await startLocalRuntime({
    routes: table,
    env: { ...process.env, NOTIFICATIONS_QUEUE_URL: queues.url, NOTIFICATIONS_DLQ_URL: queues.dlqUrl },
    httpPort: 0,
    wsPort: 0,
    log: (line) => log.push(line),
  })
})
afterAll(async () => {
  await runtime?.stop()
})

const inboxOf = (userId: string) =>
  db.collection<NotificationDocument>(collections.notifications).find({ userId }).toArray()

async function queueIsEmpty(url: string): Promise<boolean> {
  const { Attributes = {} } = await queues.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  )
  return (
    Attributes.ApproximateNumberOfMessages === '0' && Attributes.ApproximateNumberOfMessagesNotVisible === '0'
  )
}

/** Waits until `check` holds. No deadline of its own, which a busy machine would overrun: the test's timeout is it. */
async function until(check: () => Promise<boolean>) {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 50))
}

describe('notification jobs through the queue poller', { timeout: 90_000 }, () => {
  it('give an offline user one inbox entry per message and friend request, however often they are queued', async () => {
    const bea: Person = await person(call, 'offline')
    const queue = { sqs: queues.sqs, queueUrl: queues.url }
    const message = {
      id: '6744a1f3c9e77a2b1c0d9e8f',
      conversationId: randomUUID(),
      seq: 3,
      senderId: randomUUID(),
      body: 'Are the Bernoulli numbers ready?',
      createdAt: new Date(),
    }
    const request = {
      type: 'friend.request' as const,
      userId: bea.id,
      from: { id: message.senderId, username: 'ada_lovelace', displayName: 'Ada Lovelace' },
      at: new Date().toISOString(),
    }
    // A producer retry queues each job a second time, with the same job id.
    for (let attempt = 0; attempt < 2; attempt++) {
      await notifyOffline(queue, message, [bea.id])
      await notificationUserEventSink(queue)(request)
    }
    await until(async () => (await inboxOf(bea.id)).length >= 2)
    await until(() => queueIsEmpty(queues.url))

    const { body } = await call<InboxPage>({ method: 'GET', path: '/notifications', token: bea.token })
    expect(body.unreadCount).toBe(2)
    expect(body.items.map((item) => item.kind).sort()).toEqual(['friend.request', 'message.new'])
    expect(await inboxOf(bea.id)).toHaveLength(2)
  })

  it('dead-letter a poisoned job after 5 tries while the rest of its batch is written once', async () => {
    const userId = randomUUID()
    const good = [messageJob(userId), friendRequestJob(userId)]
    const [first, second] = good.map((job) => ({ ...job, jobId: jobIdOf(job) }))
    const poison = JSON.stringify({ ...messageJob(userId), jobId: randomUUID(), kind: 'message.deleted' })
    await queues.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queues.url,
        Entries: [JSON.stringify(first), poison, JSON.stringify(second)].map((MessageBody, index) => ({
          Id: String(index),
          MessageBody,
        })),
      }),
    )

    let deadLettered: string | undefined
    await until(async () => {
      const { Messages = [] } = await queues.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queues.dlqUrl, WaitTimeSeconds: 0 }),
      )
      deadLettered = Messages[0]?.Body
      return deadLettered !== undefined
    })
    expect(deadLettered).toBe(poison)

    const retries = log
      .map((line) => /^queue notifications: \d+ done, (\d+) to retry$/.exec(line)?.[1])
      .reduce((sum, count) => sum + Number(count ?? 0), 0)
    expect(retries).toBe(5)
    expect((await inboxOf(userId)).map((entry) => entry.jobId).sort()).toEqual(
      [first?.jobId, second?.jobId].sort(),
    )
    await until(() => queueIsEmpty(queues.url))
  })
})
