// Delivery jobs: a large room's recipients split into jobs of at most 50, queued ten a request; bad bodies refused.
import { randomUUID } from 'node:crypto'
import type { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs'
import { describe, expect, it } from 'vitest'
import { parseDeliveryJob, queueDelivery, recipientsPerJob } from '../../lib/delivery/jobs.ts'
import { InvalidError } from '../../lib/errors.ts'
import type { Message } from '../../lib/messages/store.ts'

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

    const jobs = await queueDelivery({ sqs, queueUrl: 'https://sqs.example/delivery' }, message, recipients, {
      exceptConnectionId: 'sender=',
    })

    expect(jobs).toBe(6)
    expect(batches).toHaveLength(1)
    const parsed = (batches[0]?.Entries ?? []).map((entry) => parseDeliveryJob(entry.MessageBody ?? ''))
    expect(parsed.map((job) => job.recipientIds.length)).toEqual([50, 50, 50, 50, 50, 6])
    expect(parsed.flatMap((job) => job.recipientIds)).toEqual(recipients)
    for (const job of parsed)
      expect(job).toMatchObject({ kind: 'message.new', message, exceptConnectionId: 'sender=' })
  })

  it('refuses a body that is not JSON, or a job over the recipient limit, so it ends in the dead-letter queue', () => {
    expect(() => parseDeliveryJob('{')).toThrow(InvalidError)
    const tooMany = {
      kind: 'message.new',
      message,
      recipientIds: Array.from({ length: recipientsPerJob + 1 }, () => randomUUID()),
    }
    expect(() => parseDeliveryJob(JSON.stringify(tooMany))).toThrow(/recipientIds/)
  })
})
