// Sending over WebSocket and HTTP against the real stores: checks, seq, ack, delivery, retries, refusals.
import { randomUUID } from 'node:crypto'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs'
import { beforeAll, describe, expect, it } from 'vitest'
import { configuredConnectionsTable, connectionsOf } from '../../../lib/connections/lists.ts'
import { directConversationId } from '../../../lib/conversations/direct.ts'
import { messagesOf } from '../../../lib/messages/store.ts'
import { dynamoJson } from '../../../lib/stores/dynamodb-json.ts'
import { mongoDb } from '../../../lib/stores/mongo.ts'
import { postgresClient } from '../../../lib/stores/postgres.ts'
import { uploadStore } from '../../../lib/uploads/store.ts'
import { take, testQueues } from '../notifications/queues.ts'
import { pinnedFrom, pngBytes } from '../uploads/api.ts'
import { befriend, type Harness, harness, messageIn, online, person, startGroup } from './harness.ts'

let h: Harness
beforeAll(() => {
  h = harness()
})

const stored = async (conversationId: string) =>
  (
    await messagesOf(await mongoDb())
      .find({ conversationId })
      .sort({ seq: 1 })
      .toArray()
  ).map((m) => ({
    seq: m.seq,
    body: m.body,
    senderId: m.senderId,
  }))

const send = (to: Record<string, string>, body: string, clientMsgId: string = randomUUID()) => ({
  action: 'sendMessage',
  ...to,
  clientMsgId,
  body,
})

describe('sendMessage to a friend by toUserId', () => {
  it('acks the sending connection with seq 1, then tells the friend and the sender’s other device, not the sending one', async () => {
    const bob = await online(h)
    const alice = await online(h, [bob])
    const bobTablet = await h.device(bob)
    const aliceLaptop = await h.device(alice)

    await h.frame(alice, alice.connectionId, send({ toUserId: bob.id }, 'hello', 'c-1'))

    const [ack] = h.framesOf(alice.connectionId)
    const conversationId = directConversationId(alice.id, bob.id)
    expect(ack).toMatchObject({
      type: 'message.ack',
      clientMsgId: 'c-1',
      message: {
        conversationId,
        seq: 1,
        senderId: alice.id,
        clientMsgId: 'c-1',
        body: 'hello',
        attachments: [],
      },
    })
    const message = messageIn(ack)
    for (const connection of [bob.connectionId, bobTablet, aliceLaptop])
      expect(h.framesOf(connection)).toEqual([{ type: 'message.new', message, event: 1 }])
    expect(h.framesOf(alice.connectionId)).toHaveLength(1)
    expect(await stored(conversationId)).toEqual([{ seq: 1, body: 'hello', senderId: alice.id }])
  })

  it('numbers the replies in the same conversation 2, 3, … whichever friend sends', async () => {
    const bob = await online(h)
    const alice = await online(h, [bob])
    await h.frame(alice, alice.connectionId, send({ toUserId: bob.id }, 'one'))
    const [first] = h.framesOf(bob.connectionId)
    const conversationId = messageIn(first).conversationId
    await h.frame(bob, bob.connectionId, send({ conversationId }, 'two'))
    await h.frame(bob, bob.connectionId, send({ toUserId: alice.id }, 'three'))
    expect((await stored(conversationId)).map((m) => [m.seq, m.body])).toEqual([
      [1, 'one'],
      [2, 'two'],
      [3, 'three'],
    ])
  })

  it('refuses a stranger with an error frame naming the clientMsgId; nothing is stored and no one is told', async () => {
    const bob = await online(h)
    const carol = await online(h)
    await h.frame(carol, carol.connectionId, send({ toUserId: bob.id }, 'hi', 'stranger-1'))
    expect(h.framesOf(carol.connectionId)).toEqual([
      expect.objectContaining({
        type: 'error',
        code: 'forbidden',
        action: 'sendMessage',
        clientMsgId: 'stranger-1',
      }),
    ])
    expect(h.framesOf(bob.connectionId)).toEqual([])
    expect(await stored(directConversationId(carol.id, bob.id))).toEqual([])
    const sql = await postgresClient()
    expect(
      await sql`select 1 from conversations where id = ${directConversationId(carol.id, bob.id)}`,
    ).toHaveLength(0)
  })

  it('refuses once either friend blocks the other, even in the conversation they already have', async () => {
    const bob = await online(h)
    const alice = await online(h, [bob])
    await h.frame(alice, alice.connectionId, send({ toUserId: bob.id }, 'before'))
    const sql = await postgresClient()
    await sql`insert into blocks (blocker_id, blocked_id) values (${bob.id}, ${alice.id})`
    const conversationId = directConversationId(alice.id, bob.id)
    await h.frame(alice, alice.connectionId, send({ conversationId }, 'after'))
    await h.frame(alice, alice.connectionId, send({ toUserId: bob.id }, 'after again'))
    const errors = h.framesOf(alice.connectionId).filter((f) => f.type === 'error')
    expect(errors.map((f) => f.code)).toEqual(['forbidden', 'forbidden'])
    expect(await stored(conversationId)).toHaveLength(1)
  })
})

describe('a connection gone without $disconnect', () => {
  it('is removed on its first 410 and the message still reaches the others', async () => {
    const bob = await online(h)
    const alice = await online(h, [bob])
    const stale = await h.device(bob)
    h.management.gone.add(stale)
    await h.frame(alice, alice.connectionId, send({ toUserId: bob.id }, 'one'))
    await h.frame(alice, alice.connectionId, send({ toUserId: bob.id }, 'two'))
    expect(h.framesOf(bob.connectionId).map((f) => messageIn(f).body)).toEqual(['one', 'two'])
    const live = await connectionsOf(dynamoJson(), configuredConnectionsTable(), [bob.id])
    expect(live.get(bob.id)).toEqual([bob.connectionId])
  })
})

describe('retries', () => {
  it('the same clientMsgId three times stores one message, acks the same message each time, and delivers it once', async () => {
    const bob = await online(h)
    const alice = await online(h, [bob])
    for (let i = 0; i < 3; i++)
      await h.frame(alice, alice.connectionId, send({ toUserId: bob.id }, `attempt ${i}`, 'same-id'))
    const acks = h.framesOf(alice.connectionId)
    expect(acks.map((f) => f.type)).toEqual(['message.ack', 'message.ack', 'message.ack'])
    const ids = new Set(acks.map((f) => messageIn(f).id))
    expect(ids.size).toBe(1)
    expect(acks.every((f) => messageIn(f).body === 'attempt 0')).toBe(true)
    expect(h.framesOf(bob.connectionId)).toHaveLength(1)
    expect(await stored(directConversationId(alice.id, bob.id))).toHaveLength(1)
  })

  it('a retry that races its original still leaves one message', async () => {
    const bob = await online(h)
    const alice = await online(h, [bob])
    const frame = send({ toUserId: bob.id }, 'racing', 'race-id')
    await Promise.all([1, 2, 3].map(() => h.frame(alice, alice.connectionId, frame)))
    const acks = h.framesOf(alice.connectionId)
    expect(acks.map((f) => f.type)).toEqual(['message.ack', 'message.ack', 'message.ack'])
    expect(new Set(acks.map((f) => messageIn(f).id)).size).toBe(1)
    expect(await stored(directConversationId(alice.id, bob.id))).toHaveLength(1)
  })
})

describe('seq', () => {
  it('twenty sends at once, each sent twice, take seqs 1 to 20: none repeated, none skipped', async () => {
    const bob = await online(h)
    const alice = await online(h, [bob])
    await h.frame(alice, alice.connectionId, send({ toUserId: bob.id }, 'opening'))
    const conversationId = directConversationId(alice.id, bob.id)
    const sends = Array.from({ length: 19 }, (_, i) => ({
      from: i % 2 ? alice : bob,
      frame: send({ conversationId }, `m${i}`, `burst-${i}`),
    }))
    await Promise.all([...sends, ...sends].map(({ from, frame }) => h.frame(from, from.connectionId, frame)))
    const seqs = (await stored(conversationId)).map((m) => m.seq)
    expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
    const [row] = await (await postgresClient())<{ lastSeq: string }[]>`
      select last_seq::text as "lastSeq" from conversations where id = ${conversationId}`
    expect(row?.lastSeq).toBe('20')
  })
})

describe('groups', () => {
  it('tells only the members whose account is still active', async () => {
    const [bob, carol] = [await online(h), await online(h)]
    const alice = await online(h, [bob, carol])
    const created = { body: { id: await startGroup(h, alice, [bob, carol], 'Leavers') } }
    const sql = await postgresClient()
    await sql`update users set status = 'disabled' where id = ${carol.id}`
    await h.frame(alice, alice.connectionId, send({ conversationId: created.body.id }, 'still here?'))
    expect(h.framesOf(bob.connectionId)).toEqual([expect.objectContaining({ type: 'message.new' })])
    expect(h.framesOf(carol.connectionId)).toEqual([])
  })

  it('a member’s message reaches every member; someone outside hears "not found"', async () => {
    const [bob, carol] = [await online(h), await online(h)]
    const alice = await online(h, [bob, carol])
    const created = { body: { id: await startGroup(h, alice, [bob, carol], 'Trip') } }
    await h.frame(carol, carol.connectionId, send({ conversationId: created.body.id }, 'hi all'))
    for (const member of [alice, bob])
      expect(h.framesOf(member.connectionId)[0]).toMatchObject({ type: 'message.new' })
    const dave = await online(h, [alice])
    await h.frame(dave, dave.connectionId, send({ conversationId: created.body.id }, 'let me in'))
    expect(h.framesOf(dave.connectionId)).toEqual([
      expect.objectContaining({ type: 'error', code: 'not_found' }),
    ])
    expect(await stored(created.body.id)).toHaveLength(1)
  })
})

describe('frames that cannot be served', () => {
  it.each([
    ['a body over 4000 characters', { body: 'x'.repeat(4001) }],
    ['an empty message', { body: '   ' }],
    ['no clientMsgId', { clientMsgId: undefined }],
    ['a clientMsgId with an operator', { clientMsgId: '$gt' }],
    ['both destinations', { conversationId: randomUUID() }],
    ['an unknown field', { $where: 'sleep(1000)' }],
    ['an attachment that is no upload key', { attachments: [{ key: '../etc/passwd' }] }],
  ])('answers %s with invalid_request and stores nothing', async (_, change) => {
    const bob = await online(h)
    const alice = await online(h, [bob])
    await h.frame(alice, alice.connectionId, { ...send({ toUserId: bob.id }, 'text', 'bad-1'), ...change })
    expect(h.framesOf(alice.connectionId)).toEqual([
      expect.objectContaining({ type: 'error', code: 'invalid_request', action: 'sendMessage' }),
    ])
    expect(h.framesOf(bob.connectionId)).toEqual([])
    expect(await stored(directConversationId(alice.id, bob.id))).toEqual([])
  })

  it('answers malformed JSON and a frame over 64 KB with an error frame', async () => {
    const alice = await online(h)
    await h.frame(alice, alice.connectionId, '{"action":"sendMessage",')
    await h.frame(
      alice,
      alice.connectionId,
      JSON.stringify({ action: 'sendMessage', body: 'x'.repeat(70_000) }),
    )
    expect(h.framesOf(alice.connectionId).map((f) => f.code)).toEqual([
      'invalid_request',
      'payload_too_large',
    ])
  })
})

describe('POST /conversations/{id}/messages', () => {
  it('stores under the same rules, answers 201 then 200 for a retry, and tells every device of every member', async () => {
    const bob = await online(h)
    const alice = await online(h, [bob])
    const conversationId = directConversationId(alice.id, bob.id)
    const opened = await h.call({
      method: 'POST',
      path: '/conversations',
      token: alice.token,
      body: { type: 'direct', userId: bob.id },
    })
    expect(opened.status).toBe(201)
    const request = {
      method: 'POST',
      path: `/conversations/${conversationId}/messages`,
      token: alice.token,
      body: { clientMsgId: 'http-1', body: 'over http' },
    }
    const first = await h.call<{ clientMsgId: string; message: { id: string; seq: number } }>(request)
    expect(first.status).toBe(201)
    expect(first.body).toMatchObject({ clientMsgId: 'http-1', message: { seq: 1, body: 'over http' } })
    const again = await h.call<{ message: { id: string } }>(request)
    expect(again.status).toBe(200)
    expect(again.body.message.id).toBe(first.body.message.id)
    for (const connection of [alice.connectionId, bob.connectionId])
      expect(h.framesOf(connection)).toEqual([{ type: 'message.new', message: first.body.message, event: 1 }])

    const carol = await person()
    const outsider = await h.call({ ...request, token: carol.token })
    expect(outsider.status).toBe(404)
  })

  it('takes a 4000-character body even when its JSON runs past the usual 16 KB request limit', async () => {
    const bob = await person()
    const alice = await person()
    await befriend(alice, bob)
    await h.call({
      method: 'POST',
      path: '/conversations',
      token: alice.token,
      body: { type: 'direct', userId: bob.id },
    })
    const response = await h.call({
      method: 'POST',
      path: `/conversations/${directConversationId(alice.id, bob.id)}/messages`,
      token: alice.token,
      body: { clientMsgId: 'wide', body: '\u0001'.repeat(4000) },
    })
    expect(response.status).toBe(201)
  })

  it('refuses a long body with 400 and field errors', async () => {
    const bob = await person()
    const alice = await person()
    await befriend(alice, bob)
    const response = await h.call({
      method: 'POST',
      path: `/conversations/${directConversationId(alice.id, bob.id)}/messages`,
      token: alice.token,
      body: { clientMsgId: 'x', body: 'y'.repeat(4001) },
    })
    expect(response.status).toBe(400)
    expect(response.body).toMatchObject({ errors: [{ path: 'body.body' }] })
  })
})

describe('attachments and members offline', () => {
  async function upload(owner: { id: string }, name: string) {
    const store = uploadStore()
    const key = `uploads/${owner.id}/${randomUUID()}/${name}`
    await store.s3.send(
      new PutObjectCommand({ Bucket: store.bucket, Key: key, Body: pngBytes(300), ContentType: 'image/png' }),
    )
    return key
  }

  it('stores what the uploads bucket says of the sender’s own file, and refuses anyone else’s as not found', async () => {
    const bob = await online(h)
    const alice = await online(h, [bob])
    const mine = await upload(alice, 'photo.png')
    const theirs = await upload(bob, 'secret.png')
    await h.frame(alice, alice.connectionId, {
      action: 'sendMessage',
      toUserId: bob.id,
      clientMsgId: 'with-file',
      attachments: [{ key: mine }],
    })
    await h.frame(alice, alice.connectionId, {
      ...send({ toUserId: bob.id }, 'look', 'not-mine'),
      attachments: [{ key: theirs }],
    })
    const [ack, refusal] = h.framesOf(alice.connectionId)
    expect(messageIn(ack)).toMatchObject({
      body: '',
      attachments: [
        {
          key: expect.stringMatching(pinnedFrom(mine)),
          name: 'photo.png',
          contentType: 'image/png',
          size: 300,
        },
      ],
    })
    expect(refusal).toMatchObject({ type: 'error', code: 'not_found', clientMsgId: 'not-mine' })
    expect(await stored(directConversationId(alice.id, bob.id))).toHaveLength(1)
  })

  it('a send refused for an attachment after its seq was reserved is stored under that seq when retried without it', async () => {
    const bob = await online(h)
    const alice = await online(h, [bob])
    const theirs = await upload(bob, 'secret.png')
    await h.frame(alice, alice.connectionId, send({ toUserId: bob.id }, 'first'))
    await h.frame(alice, alice.connectionId, {
      ...send({ toUserId: bob.id }, 'look', 'fixed-later'),
      attachments: [{ key: theirs }],
    })
    await h.frame(alice, alice.connectionId, send({ toUserId: bob.id }, 'look', 'fixed-later'))
    const [, refusal, ack] = h.framesOf(alice.connectionId)
    expect(refusal).toMatchObject({ type: 'error', code: 'not_found', clientMsgId: 'fixed-later' })
    expect(ack).toMatchObject({ type: 'message.ack', message: { seq: 2, body: 'look', attachments: [] } })
    expect((await stored(directConversationId(alice.id, bob.id))).map((m) => m.seq)).toEqual([1, 2])
    expect(h.framesOf(bob.connectionId)).toHaveLength(2)
  })

  it('queues one message.new job per member with no live connection, never for the sender', async () => {
    const queues = await testQueues('messaging')
    const local = harness({ notifications: () => ({ sqs: queues.sqs, queueUrl: queues.url }) })
    const [bob, carol] = [await person(), await online(local)]
    const alice = await online(local)
    await befriend(alice, bob)
    await befriend(alice, carol)
    const group = await local.call<{ id: string }>({
      method: 'POST',
      path: '/conversations',
      token: alice.token,
      body: { type: 'group', name: 'Offline', memberIds: [bob.id, carol.id] },
    })
    await local.frame(
      alice,
      alice.connectionId,
      send({ conversationId: group.body.id }, 'while you were out'),
    )
    const [job] = await take(queues.sqs, queues.url, 1)
    expect(JSON.parse(job?.Body ?? '{}')).toMatchObject({
      kind: 'message.new',
      userId: bob.id,
      conversationId: group.body.id,
      seq: 1,
      senderId: alice.id,
      preview: 'while you were out',
    })
    const rest = await queues.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queues.url, WaitTimeSeconds: 0 }),
    )
    expect(rest.Messages ?? []).toEqual([])
    expect(local.framesOf(carol.connectionId).map((frame) => frame.type)).toEqual([
      'conversation.updated',
      'message.new',
    ])
  })
})
