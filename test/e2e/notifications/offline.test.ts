// A user with no live connection finds what happened in the inbox: jobs go through SQS, the poller and the worker.
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type LocalRuntime, startLocalRuntime } from '../../../infra/local/runtime.ts'
import { befriend, type Person, person } from '../../integration/realtime/people.ts'

let runtime: LocalRuntime

beforeAll(async () => {
  runtime = await startLocalRuntime({
    env: { ...process.env, STAGE: `offline-${randomBytes(4).toString('hex')}` },
    httpPort: 0,
    wsPort: 0,
  })
})
afterAll(async () => {
  await runtime?.stop()
})

interface Inbox {
  items: { kind: string; read: boolean }[]
  unreadCount: number
}

const inboxOf = async (user: Person): Promise<Inbox> => {
  const response = await fetch(`${runtime.httpUrl}/notifications`, {
    headers: { authorization: `Bearer ${user.token}` },
  })
  expect(response.status).toBe(200)
  return (await response.json()) as Inbox
}

/**
 * Polls the inbox until `ready` holds: the job crosses a queue on its way. No deadline of its own, which a busy
 * machine would overrun: the test's timeout bounds a job that never arrives.
 */
async function inboxWhen(user: Person, ready: (inbox: Inbox) => boolean): Promise<Inbox> {
  for (;;) {
    const response = await fetch(`${runtime.httpUrl}/notifications`, {
      headers: { authorization: `Bearer ${user.token}` },
    })
    // Polling is rate-limited like any client: a 429 says when to ask again.
    if (response.status === 429) {
      await sleep(Number(response.headers.get('retry-after') ?? 1) * 1000)
      continue
    }
    expect(response.status).toBe(200)
    const inbox = (await response.json()) as Inbox
    if (ready(inbox)) return inbox
    await sleep(200)
  }
}

/** Until the notification queue holds no job, waiting or in flight: after that, nothing more reaches an inbox. */
async function queueDrained(): Promise<void> {
  const sqs = new SQSClient({})
  try {
    for (;;) {
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: process.env.NOTIFICATIONS_QUEUE_URL,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      )
      if (
        Attributes.ApproximateNumberOfMessages === '0' &&
        Attributes.ApproximateNumberOfMessagesNotVisible === '0'
      )
        return
      await sleep(50)
    }
  } finally {
    sqs.destroy()
  }
}

describe('an offline user', { timeout: 60_000 }, () => {
  it('gets exactly one inbox entry for a friend request made while away', async () => {
    const [alice, bob] = [await person(), await person()]
    const request = await fetch(`${runtime.httpUrl}/friends/${bob.id}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.token}` },
    })
    expect(request.status).toBe(201)
    const inbox = await inboxWhen(bob, (current) => current.items.length > 0)
    expect(inbox.items.map((item) => item.kind)).toEqual(['friend.request'])
    expect(inbox.unreadCount).toBe(1)
    // Nothing more arrives later: the job was written once.
    await queueDrained()
    expect((await inboxOf(bob)).items).toHaveLength(1)
  })

  it('gets exactly one inbox entry for a message sent while away', async () => {
    const [alice, bob] = [await person(), await person()]
    await befriend(alice, bob)
    const sent = await fetch(`${runtime.httpUrl}/conversations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'direct', userId: bob.id }),
    })
    const { id } = (await sent.json()) as { id: string }
    const message = await fetch(`${runtime.httpUrl}/conversations/${id}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ clientMsgId: 'while-away', body: 'are you there?' }),
    })
    expect(message.status).toBe(201)
    const inbox = await inboxWhen(bob, (current) => current.items.length > 0)
    expect(inbox.items.map((item) => item.kind)).toEqual(['message.new'])
    await queueDrained()
    expect((await inboxOf(bob)).items).toHaveLength(1)
  })
})
