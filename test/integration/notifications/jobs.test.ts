// Producers: jobs go out ten to a SendMessageBatch, each with an id a retry keeps; the sink and message helpers.
import { randomUUID } from 'node:crypto'
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { enqueueNotifications, notificationJob } from '../../../lib/notifications/jobs.ts'
import {
  messageJobs,
  notificationUserEventSink,
  notifyOffline,
} from '../../../lib/notifications/producers.ts'
import { friendRequestJob, messageJob, type TestQueues, take, testQueues } from './queues.ts'

let queues: TestQueues

beforeAll(async () => {
  queues = await testQueues('jobs')
})
afterEach(() => {
  vi.restoreAllMocks()
})

const bodies = async (count: number) =>
  (await take(queues.sqs, queues.url, count)).map((message) =>
    notificationJob.parse(JSON.parse(message.Body ?? '')),
  )

describe('enqueueNotifications', () => {
  it('sends 23 jobs in three SendMessageBatch calls, each job with its own id', async () => {
    const send = vi.spyOn(queues.sqs, 'send')
    const userId = randomUUID()
    const inputs = Array.from({ length: 23 }, (_, index) => messageJob(userId, index + 1))
    const queued = await enqueueNotifications(queues.sqs, queues.url, inputs)

    const batches = send.mock.calls
      .map(([command]) => command)
      .filter((c) => c instanceof SendMessageBatchCommand)
    expect(send).toHaveBeenCalledTimes(3)
    expect(batches.map((batch) => batch.input.Entries?.length)).toEqual([10, 10, 3])
    expect(new Set(queued.map((job) => job.jobId)).size).toBe(23)

    const received = await bodies(23)
    expect(received.map((job) => job.jobId).sort()).toEqual(queued.map((job) => job.jobId).sort())
    expect(received.every((job) => job.userId === userId)).toBe(true)
  })

  it('gives a retried job the id it had the first time', async () => {
    const input = friendRequestJob(randomUUID())
    const [first] = await enqueueNotifications(queues.sqs, queues.url, [input])
    const [again] = await enqueueNotifications(queues.sqs, queues.url, [input])
    expect(again?.jobId).toBe(first?.jobId)
    expect((await bodies(2)).map((job) => job.jobId)).toEqual([first?.jobId, first?.jobId])
  })

  it('refuses a malformed job before sending anything', async () => {
    const send = vi.spyOn(queues.sqs, 'send')
    const bad = { ...messageJob(randomUUID()), seq: -1 }
    await expect(
      enqueueNotifications(queues.sqs, queues.url, [messageJob(randomUUID()), bad]),
    ).rejects.toThrow()
    expect(send).not.toHaveBeenCalled()
  })

  it('makes no call for no jobs', async () => {
    const send = vi.spyOn(queues.sqs, 'send')
    expect(await enqueueNotifications(queues.sqs, queues.url, [])).toEqual([])
    expect(send).not.toHaveBeenCalled()
  })
})

describe('producers', () => {
  const message = {
    id: '6744a1f3c9e77a2b1c0d9e8f',
    conversationId: randomUUID(),
    seq: 7,
    senderId: randomUUID(),
    body: `  ${'é'.repeat(200)}  `,
    createdAt: new Date('2026-11-24T21:36:51.427Z'),
  }

  it('make one message.new job per offline recipient, never for the sender, with a bounded preview', () => {
    const [b, c] = [randomUUID(), randomUUID()]
    const jobs = messageJobs(message, [b, c, b, message.senderId])
    expect(jobs.map((job) => job.userId)).toEqual([b, c])
    expect(jobs[0]).toMatchObject({
      kind: 'message.new',
      messageId: message.id,
      seq: 7,
      at: '2026-11-24T21:36:51.427Z',
      preview: `${'é'.repeat(139)}…`,
    })
    expect(messageJobs({ ...message, body: '', attachments: [{ name: 'plan.pdf' }] }, [b])[0]).toMatchObject({
      preview: '📎 plan.pdf',
    })
  })

  it('queue offline recipients in one call, and nothing for none', async () => {
    const send = vi.spyOn(queues.sqs, 'send')
    await notifyOffline({ sqs: queues.sqs, queueUrl: queues.url }, message, [])
    expect(send).not.toHaveBeenCalled()
    await notifyOffline({ sqs: queues.sqs, queueUrl: queues.url }, message, [randomUUID(), randomUUID()])
    expect(send).toHaveBeenCalledTimes(1)
    expect(await bodies(2)).toHaveLength(2)
  })

  it('queue friend events from the user-event sink, with the public profile only', async () => {
    const sink = notificationUserEventSink({ sqs: queues.sqs, queueUrl: queues.url })
    const userId = randomUUID()
    const from = {
      id: randomUUID(),
      username: 'grace_hopper',
      displayName: 'Grace Hopper',
      email: 'g@x.test',
    }
    await sink({ type: 'friend.accepted', userId, from, at: '2026-11-24T21:35:40.512Z' })
    const [job] = await bodies(1)
    expect(job).toMatchObject({ kind: 'friend.accepted', userId, at: '2026-11-24T21:35:40.512Z' })
    expect(job?.kind === 'friend.accepted' && job.from).toEqual({
      id: from.id,
      username: 'grace_hopper',
      displayName: 'Grace Hopper',
    })
  })
})
