// The notify worker on SQS events: one inbox entry per job however often it arrives, bad records reported back.
import { randomUUID } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Message } from '@aws-sdk/client-sqs'
import type { Context, SQSEvent } from 'aws-lambda'
import type { Db } from 'mongodb'
import { beforeAll, describe, expect, it } from 'vitest'
import { createNotifyHandler } from '../../../functions/workers/notify.ts'
import { sqsEvent } from '../../../infra/local/gateway/events.ts'
import { repositoryRoot } from '../../../infra/local/gateway/table.ts'
import type { Frame } from '../../../lib/delivery/frames.ts'
import { collections } from '../../../lib/migrations/mongo.ts'
import type { NotificationDocument } from '../../../lib/notifications/inbox.ts'
import { jobIdOf, type NotificationJob, type NotificationJobInput } from '../../../lib/notifications/jobs.ts'
import { mongoDb } from '../../../lib/stores/mongo.ts'
import { friendRequestJob, messageJob } from './queues.ts'

let db: Db
const pushed: { userId: string; frame: Frame }[] = []
const handler = createNotifyHandler({
  mongo: mongoDb,
  push: async (userId, frame) => {
    pushed.push({ userId, frame })
    return true
  },
})
const context = {
  functionName: 'notify',
  awsRequestId: 'test',
  getRemainingTimeInMillis: () => 10_000,
} as Context

beforeAll(async () => {
  db = await mongoDb()
})

const withId = (input: NotificationJobInput): NotificationJob =>
  ({ ...input, jobId: jobIdOf(input) }) as NotificationJob

function batchOf(bodies: string[]): SQSEvent {
  const messages: Message[] = bodies.map((Body) => ({
    MessageId: randomUUID(),
    ReceiptHandle: randomUUID(),
    Body,
    Attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()) },
  }))
  return sqsEvent(messages, 'arn:aws:sqs:us-east-1:123456789012:chat-service-test-notifications')
}

const inboxOf = (userId: string) =>
  db.collection<NotificationDocument>(collections.notifications).find({ userId }).toArray()

describe('the notify worker', () => {
  it('writes one inbox entry per job when the same batch is delivered twice, and pushes each once', async () => {
    const userId = randomUUID()
    const jobs = [
      withId(messageJob(userId, 1)),
      withId(friendRequestJob(userId)),
      withId(messageJob(userId, 2)),
    ]
    const event = batchOf(jobs.map((job) => JSON.stringify(job)))

    expect(await handler(event, context)).toEqual({ batchItemFailures: [] })
    expect(await handler(structuredClone(event), context)).toEqual({ batchItemFailures: [] })

    const inbox = await inboxOf(userId)
    expect(inbox.map((entry) => entry.jobId).sort()).toEqual(jobs.map((job) => job.jobId).sort())
    const frames = pushed.filter((push) => push.userId === userId).map((push) => push.frame)
    expect(frames).toHaveLength(3)
    expect(frames[0]).toMatchObject({ type: 'notification', notification: { readAt: null } })
  })

  it('treats the same job twice within one batch as one', async () => {
    const userId = randomUUID()
    const body = JSON.stringify(withId(friendRequestJob(userId)))
    expect(await handler(batchOf([body, body]), context)).toEqual({ batchItemFailures: [] })
    expect(await inboxOf(userId)).toHaveLength(1)
  })

  it('reports malformed records for retry while the rest of the batch is written', async () => {
    const userId = randomUUID()
    const good = withId(messageJob(userId))
    const event = batchOf([
      JSON.stringify(good),
      'not json',
      JSON.stringify({ ...withId(messageJob(userId)), kind: 'message.deleted' }),
      JSON.stringify({ ...withId(messageJob(userId)), userId: { $ne: null } }),
      JSON.stringify({ ...withId(messageJob(userId)), extra: 'field' }),
    ])
    const { batchItemFailures } = await handler(event, context)
    expect(batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual(
      event.Records.slice(1).map((record) => record.messageId),
    )
    expect((await inboxOf(userId)).map((entry) => entry.jobId)).toEqual([good.jobId])
  })

  it('reports a whole failed batch back rather than throwing', async () => {
    const event = batchOf(['{}'])
    expect(await handler(event, context)).toEqual({
      batchItemFailures: [{ itemIdentifier: event.Records[0]?.messageId }],
    })
  })

  it('keeps the inbox entry when the push fails: the job is done', async () => {
    const failing = createNotifyHandler({
      mongo: mongoDb,
      push: async () => {
        throw new Error('@connections unreachable')
      },
    })
    const userId = randomUUID()
    expect(await failing(batchOf([JSON.stringify(withId(messageJob(userId)))]), context)).toEqual({
      batchItemFailures: [],
    })
    expect(await inboxOf(userId)).toHaveLength(1)
  })

  it('fails exactly the invalid job of the sample batch in events/', async () => {
    const sample = JSON.parse(
      await readFile(join(repositoryRoot, 'events/sqs/notifications-batch.json'), 'utf8'),
    ) as SQSEvent
    const { batchItemFailures } = await handler(sample, context)
    expect(batchItemFailures).toEqual([{ itemIdentifier: sample.Records[3]?.messageId }])
  })

  it('pushes a new message to the browsers of a user no live connection took it for, and only then', async () => {
    const webPushed: string[] = []
    const worker = (online: boolean | Error) =>
      createNotifyHandler({
        mongo: mongoDb,
        push: async () => {
          if (online instanceof Error) throw online
          return online
        },
        webPush: async (job) => {
          webPushed.push(job.jobId)
        },
      })
    const [offline, online, unknown, request] = [
      withId(messageJob(randomUUID())),
      withId(messageJob(randomUUID())),
      withId(messageJob(randomUUID())),
      withId(friendRequestJob(randomUUID())),
    ]
    await worker(false)(batchOf([JSON.stringify(offline), JSON.stringify(request)]), context)
    await worker(true)(batchOf([JSON.stringify(online)]), context)
    await worker(new Error('@connections unreachable'))(batchOf([JSON.stringify(unknown)]), context)
    // Delivered again: the inbox entry is there, so nothing is pushed a second time.
    await worker(false)(batchOf([JSON.stringify(offline)]), context)
    expect(webPushed).toEqual([offline.jobId, unknown.jobId])
  })
})
