// Delivery jobs: a large room's recipients split into jobs of at most 50, each carrying its recipients' view of the
// message, queued ten a request; bad bodies refused.
import { randomUUID } from 'node:crypto'
import type { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs'
import { describe, expect, it } from 'vitest'
import { parseDeliveryJob, queueDelivery, queueFrames, recipientsPerJob } from '../../lib/delivery/jobs.ts'
import { InvalidError } from '../../lib/errors.ts'
import { hiddenQuoteView, hiddenView, type Message } from '../../lib/messages/store.ts'
import { frames as framesOf } from '../../lib/protocol/ws.ts'

const message: Message = {
  id: `${randomUUID()}:7`,
  conversationId: randomUUID(),
  seq: 7,
  senderId: randomUUID(),
  clientMsgId: 'c1',
  body: 'hello, all',
  attachments: [],
  createdAt: new Date().toISOString(),
}

const ids = (count: number): string[] => Array.from({ length: count }, () => randomUUID())

function fakeSqs() {
  const batches: SendMessageBatchCommand['input'][] = []
  const sqs = {
    send: async (command: SendMessageBatchCommand) => {
      batches.push(command.input)
      return { Failed: [] }
    },
  } as unknown as SQSClient
  return { sqs, batches }
}

describe('delivery jobs', () => {
  it(`splits 256 recipients into jobs of at most ${recipientsPerJob}, sent in one batch, each a job the worker accepts`, async () => {
    const { sqs, batches } = fakeSqs()
    const recipients = Array.from({ length: 256 }, () => randomUUID())

    const jobs = await queueDelivery(
      { sqs, queueUrl: 'https://sqs.example/delivery' },
      [{ message, recipientIds: recipients, notifyOffline: true }],
      { exceptConnectionId: 'sender=' },
    )

    expect(jobs).toBe(6)
    expect(batches).toHaveLength(1)
    const parsed = (batches[0]?.Entries ?? []).map((entry) => parseDeliveryJob(entry.MessageBody ?? ''))
    expect(parsed.map((job) => job.recipientIds.length)).toEqual([50, 50, 50, 50, 50, 6])
    expect(parsed.flatMap((job) => job.recipientIds)).toEqual(recipients)
    for (const job of parsed)
      expect(job).toMatchObject({
        kind: 'message.new',
        message,
        notifyOffline: true,
        exceptConnectionId: 'sender=',
      })
  })

  it('gives each group of recipients a job of its own view, and no notification to those who blocked the sender', async () => {
    const { sqs, batches } = fakeSqs()
    const reply: Message = {
      ...message,
      replyTo: { seq: 3, senderId: randomUUID(), body: 'the quoted words' },
    }
    const views = [
      { message: reply, recipientIds: ids(60), notifyOffline: true },
      { message: hiddenQuoteView(reply), recipientIds: ids(3), notifyOffline: true },
      { message: hiddenView(reply), recipientIds: ids(2), notifyOffline: false },
    ]

    const jobs = await queueDelivery({ sqs, queueUrl: 'https://sqs.example/delivery' }, views)

    expect(jobs).toBe(4)
    const parsed = (batches[0]?.Entries ?? []).map((entry) => parseDeliveryJob(entry.MessageBody ?? ''))
    for (const view of views) {
      const ofView = parsed.filter((job) => job.recipientIds.some((id) => view.recipientIds.includes(id)))
      expect(ofView.flatMap((job) => job.recipientIds)).toEqual(view.recipientIds)
      for (const job of ofView)
        expect(job).toEqual({
          kind: 'message.new',
          message: view.message,
          recipientIds: job.recipientIds,
          notifyOffline: view.notifyOffline,
        })
    }
    const [quoteHidden, hidden] = [parsed[2], parsed[3]].map((job) =>
      job?.kind === 'message.new' ? job : undefined,
    )
    expect(quoteHidden?.message.replyTo).toEqual({
      seq: 3,
      senderId: reply.replyTo?.senderId,
      body: '',
      hidden: true,
    })
    expect(hidden?.message).toMatchObject({ body: '', attachments: [], hidden: true })
    expect(hidden?.message.replyTo).toBeUndefined()
  })

  it('carries a large room’s other events in order, in jobs of 50 recipients, under the batch size', async () => {
    const frames = Array.from({ length: 120 }, (_, i) =>
      framesOf.messageUpdated({
        conversationId: randomUUID(),
        seq: i + 1,
        body: 'x'.repeat(400),
        editedAt: new Date(0).toISOString(),
      }),
    )
    const recipients = ids(120)
    const { sqs, batches } = fakeSqs()
    const count = await queueFrames({ sqs, queueUrl: 'https://sqs.example/delivery' }, frames, recipients)
    const sent = batches.flatMap((batch) => (batch.Entries ?? []).map((entry) => entry.MessageBody ?? ''))
    const jobs = sent.map(parseDeliveryJob)
    expect(jobs).toHaveLength(count)
    for (const batch of batches)
      expect(
        (batch.Entries ?? []).reduce((sum, entry) => sum + (entry.MessageBody ?? '').length, 0),
      ).toBeLessThan(256 * 1024)
    for (const recipientChunk of [
      recipients.slice(0, 50),
      recipients.slice(50, 100),
      recipients.slice(100),
    ]) {
      const theirs = jobs.filter((job) => job.recipientIds[0] === recipientChunk[0])
      expect(
        theirs.flatMap((job) => (job.recipientIds.length === recipientChunk.length ? [] : [job])),
      ).toEqual([])
      expect(theirs.flatMap((job) => (job.kind === 'frames' ? job.frames : []))).toEqual(frames)
    }
  })

  it('refuses a body that is not JSON, or a job over the recipient limit, so it ends in the dead-letter queue', () => {
    expect(() => parseDeliveryJob('{')).toThrow(InvalidError)
    const tooMany = {
      kind: 'message.new',
      message,
      recipientIds: Array.from({ length: recipientsPerJob + 1 }, () => randomUUID()),
      notifyOffline: true,
    }
    expect(() => parseDeliveryJob(JSON.stringify(tooMany))).toThrow(/recipientIds/)
    const unsaid = { kind: 'message.new', message, recipientIds: [randomUUID()] }
    expect(() => parseDeliveryJob(JSON.stringify(unsaid))).toThrow(/notifyOffline/)
  })
})
