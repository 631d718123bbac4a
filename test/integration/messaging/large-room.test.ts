// A group above the inline limit on the real stores and queues: its message.new goes out as delivery jobs, each
// carrying the view its recipients see (whole, quote hidden, hidden from blockers), and the worker delivers that
// view and queues notification jobs for the offline only when their view allows it.
import { randomUUID } from 'node:crypto'
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs'
import type { SQSRecord } from 'aws-lambda'
import { beforeAll, describe, expect, it } from 'vitest'
import { inlineDeliveryLimit, parseDeliveryJob } from '../../../lib/delivery/jobs.ts'
import { handleDeliveryRecord } from '../../../lib/delivery/worker.ts'
import { postgresClient } from '../../../lib/stores/postgres.ts'
import { type TestQueues, take, testQueues } from '../notifications/queues.ts'
import {
  befriend,
  type Frame,
  type Harness,
  harness,
  messageIn,
  online,
  type Person,
  person,
} from './harness.ts'

let h: Harness
let delivery: TestQueues
let notifications: TestQueues
beforeAll(async () => {
  ;[delivery, notifications] = await Promise.all([testQueues('delivery'), testQueues('notifications')])
  h = harness({
    delivery: () => ({ sqs: delivery.sqs, queueUrl: delivery.url }),
    notifications: () => ({ sqs: notifications.sqs, queueUrl: notifications.url }),
  })
})

type Member = Person & { connectionId?: string }

async function send(
  user: Member & { connectionId: string },
  conversationId: string,
  body: string,
  extra = {},
) {
  const clientMsgId = randomUUID()
  await h.frame(user, user.connectionId, {
    action: 'sendMessage',
    conversationId,
    clientMsgId,
    body,
    ...extra,
  })
  const ack = h.framesOf(user.connectionId).find((frame) => frame.clientMsgId === clientMsgId)
  expect(ack?.type, JSON.stringify(ack)).toBe('message.ack')
  return messageIn(ack)
}

const block = async (blocker: Person, blocked: Person) =>
  (await postgresClient())`insert into blocks (blocker_id, blocked_id) values (${blocker.id}, ${blocked.id})`

const newFrames = (member: Member, since: Map<string, number>): Frame[] =>
  member.connectionId ? h.framesOf(member.connectionId).slice(since.get(member.id) ?? 0) : []

describe('a group above the inline limit', () => {
  it('sends each recipient group the view it may see through delivery jobs, and notifies no blocker', async () => {
    const owner = await online(h)
    const author = await online(h)
    const [blocker, quoteBlocker, bystander] = [await online(h), await online(h), await online(h)]
    const [offline, offlineBlocker] = [await person(), await person()]
    const crowd = await Promise.all(Array.from({ length: inlineDeliveryLimit }, () => online(h)))
    const others: Member[] = [author, blocker, quoteBlocker, bystander, offline, offlineBlocker, ...crowd]
    for (const other of others) await befriend(owner, other)
    const created = await h.call<{ id: string }>({
      method: 'POST',
      path: '/conversations',
      token: owner.token,
      body: { type: 'group', name: 'Everyone', memberIds: others.map((other) => other.id) },
    })
    expect(created.status).toBe(201)
    const id = created.body.id
    // Its making, told to 57 members in two jobs: drained unrun.
    expect(await take(delivery.sqs, delivery.url, 2)).toHaveLength(2)
    await block(blocker, owner)
    await block(offlineBlocker, owner)
    await block(quoteBlocker, author)

    // The parent: its own jobs are drained unrun (the author's blocker makes it two views, 57 members three jobs).
    const parent = await send(author, id, 'the plan')
    expect(await take(delivery.sqs, delivery.url, 3)).toHaveLength(3)

    const members = [owner, ...others]
    const since = new Map(members.map((m) => [m.id, m.connectionId ? h.framesOf(m.connectionId).length : 0]))
    const reply = await send(owner, id, 'agreed', { replyTo: parent.seq })

    // 57 members: 54 see it whole (two jobs), the author's blocker with its quote hidden, the two blockers hidden.
    const records = await take(delivery.sqs, delivery.url, 4)
    const jobs = records.map((record) => parseDeliveryJob(record.Body ?? ''))
    expect(jobs.flatMap((job) => job.recipientIds).sort()).toEqual(members.map((m) => m.id).sort())
    const jobOf = (member: Person) => jobs.find((job) => job.recipientIds.includes(member.id))
    expect(jobOf(bystander)).toMatchObject({ notifyOffline: true, message: { body: 'agreed' } })
    expect(jobOf(quoteBlocker)).toMatchObject({ notifyOffline: true, recipientIds: [quoteBlocker.id] })
    expect(jobOf(blocker)).toMatchObject({ notifyOffline: false, message: { body: '', hidden: true } })
    expect(jobOf(blocker)?.recipientIds.sort()).toEqual([blocker.id, offlineBlocker.id].sort())

    const deps = {
      fanout: h.deps.fanout,
      notifications: () => ({ sqs: notifications.sqs, queueUrl: notifications.url }),
    }
    for (const record of records)
      await handleDeliveryRecord(deps, { messageId: record.MessageId, body: record.Body } as SQSRecord)

    const quote = { seq: parent.seq, senderId: author.id, body: 'the plan' }
    expect(newFrames(bystander, since).map(messageIn)).toEqual([{ ...reply, replyTo: quote }])
    expect(newFrames(author, since).map(messageIn)).toEqual([{ ...reply, replyTo: quote }])
    expect(newFrames(quoteBlocker, since).map(messageIn)).toEqual([
      { ...reply, replyTo: { seq: parent.seq, senderId: author.id, body: '', hidden: true } },
    ])
    const [hidden, ...more] = newFrames(blocker, since).map(messageIn)
    expect(more).toEqual([])
    expect(hidden).toMatchObject({
      seq: reply.seq,
      senderId: owner.id,
      body: '',
      attachments: [],
      hidden: true,
    })
    expect(hidden).not.toHaveProperty('replyTo')
    for (const member of crowd) expect(newFrames(member, since)).toHaveLength(1)
    // The sender's own connection had its ack and nothing more.
    expect(newFrames(owner, since).map((frame) => frame.type)).toEqual(['message.ack'])

    // The offline member who blocked the sender gets no notification job; the other offline member gets one.
    const taken = await take(notifications.sqs, notifications.url, 1)
    const rest = await notifications.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: notifications.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    )
    const queued = [...taken, ...(rest.Messages ?? [])].map((message) => JSON.parse(message.Body ?? '{}'))
    expect(queued).toEqual([
      expect.objectContaining({ kind: 'message.new', userId: offline.id, seq: reply.seq }),
    ])
  })

  it('tells the members of its making and of a change through delivery jobs, in order, with their event numbers', async () => {
    const owner = await online(h)
    const crowd = await Promise.all(Array.from({ length: inlineDeliveryLimit + 1 }, () => online(h)))
    for (const member of crowd) await befriend(owner, member)
    const created = await h.call<{ id: string }>({
      method: 'POST',
      path: '/conversations',
      token: owner.token,
      body: { type: 'group', name: 'Crowd', memberIds: crowd.map((member) => member.id) },
    })
    const id = created.body.id
    const deps = {
      fanout: h.deps.fanout,
      notifications: () => ({ sqs: notifications.sqs, queueUrl: notifications.url }),
    }
    const run = async (count: number) => {
      const records = await take(delivery.sqs, delivery.url, count)
      for (const record of records)
        await handleDeliveryRecord(deps, { messageId: record.MessageId, body: record.Body } as SQSRecord)
      return records.map((record) => parseDeliveryJob(record.Body ?? ''))
    }

    const making = await run(2)
    expect(making.map((job) => job.kind)).toEqual(['frames', 'frames'])
    expect(making.flatMap((job) => job.recipientIds).sort()).toEqual(
      [owner, ...crowd].map((m) => m.id).sort(),
    )
    const message = await send(owner, id, 'hello, crowd')
    await run(2)
    const since = new Map(crowd.map((member) => [member.id, h.framesOf(member.connectionId).length]))
    await h.frame(owner, owner.connectionId, {
      action: 'editMessage',
      conversationId: id,
      seq: message.seq,
      body: 'hello, everyone',
    })
    const change = await run(2)
    expect(change.map((job) => job.kind)).toEqual(['frames', 'frames'])
    for (const member of crowd)
      expect(newFrames(member, since)).toEqual([
        expect.objectContaining({
          type: 'message.updated',
          seq: message.seq,
          body: 'hello, everyone',
          event: 3,
        }),
      ])
    for (const member of crowd.slice(0, 3))
      expect(h.framesOf(member.connectionId)[0]).toMatchObject({ type: 'conversation.updated', event: 1 })
  })
})
