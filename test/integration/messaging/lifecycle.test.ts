// Edits, deletes, reactions, replies and group changes on the real stores: who may, what members hear, what is logged.
import { randomUUID } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { config } from '../../../lib/config.ts'
import { eventsAt } from '../../../lib/events/conversation-log.ts'
import { messageId, messagesOf } from '../../../lib/messages/store.ts'
import { mongoDb } from '../../../lib/stores/mongo.ts'
import { postgresClient } from '../../../lib/stores/postgres.ts'
import { type Frame, type Harness, harness, messageIn, online, type Person, startGroup } from './harness.ts'

let h: Harness
beforeAll(() => {
  h = harness()
})

type Member = Person & { connectionId: string }

/** Events a group's making took: its conversation.updated. */
const made = new Map<string, number>()

/** A group of `owner` and friends, each with a live device; returns its id after the frames of its making. */
async function group(count: number): Promise<{ id: string; owner: Member; others: Member[] }> {
  const others = await Promise.all(Array.from({ length: count }, () => online(h)))
  const owner = await online(h, others)
  const id = await startGroup(h, owner, others)
  made.set(id, 1)
  return { id, owner, others }
}

async function send(user: Member, conversationId: string, body: string, extra: Record<string, unknown> = {}) {
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

/** The frames a connection got after `since` of them. */
const framesAfter = (connectionId: string, since: number) => h.framesOf(connectionId).slice(since)
const count = (user: Member) => h.framesOf(user.connectionId).length

async function lastEvent(conversationId: string): Promise<number> {
  const [row] = await (await postgresClient())<{ last: string }[]>`
    select last_event::text as last from conversations where id = ${conversationId}`
  return Number(row?.last)
}

/**
 * The conversation's event log after its making (startGroup checks that), by number, as sync reads it: a number the
 * sync log holds with a seq is that message's `message.new`, any other the change recorded under it, by `_id`.
 */
async function log(conversationId: string) {
  const first = (made.get(conversationId) ?? 0) + 1
  const rows = await (await postgresClient())<{ event: number; seq: number | null }[]>`
    select distinct event::int, seq::int from sync_log
    where conversation_id = ${conversationId} and event >= ${first} order by event`
  expect(rows.map((row) => row.event)).toEqual(
    Array.from({ length: (await lastEvent(conversationId)) - first + 1 }, (_, i) => first + i),
  )
  const changes = await eventsAt(
    await mongoDb(),
    conversationId,
    rows.filter((row) => row.seq === null).map((row) => row.event),
  )
  return rows.map(
    ({ event, seq }) =>
      changes.find((change) => change.event === event) ?? { event, type: 'message.new' as const, seq },
  )
}

const stored = async (conversationId: string, seq: number) =>
  messagesOf(await mongoDb()).findOne({ _id: messageId(conversationId, seq) })

async function history(user: Person, conversationId: string) {
  const page = await h.call<{ items: Frame[] }>({
    method: 'GET',
    path: `/conversations/${conversationId}/messages`,
    token: user.token,
  })
  expect(page.status).toBe(200)
  return page.body.items
}

describe('editing a message', () => {
  it('by its sender tells every member’s connection, shows in history, keeps the edit history, and is logged', async () => {
    const { id, owner, others } = await group(2)
    const message = await send(owner, id, 'helo')
    const since = others.map(count)
    await h.frame(owner, owner.connectionId, {
      action: 'editMessage',
      conversationId: id,
      seq: message.seq,
      body: 'hello',
    })

    for (const [i, other] of others.entries()) {
      const [updated] = framesAfter(other.connectionId, since[i] as number)
      expect(updated).toEqual({
        type: 'message.updated',
        conversationId: id,
        seq: message.seq,
        body: 'hello',
        editedAt: expect.any(String),
        event: 3,
      })
    }
    const [item] = await history(others[0] as Person, id)
    expect(item).toMatchObject({ seq: message.seq, body: 'hello', editedAt: expect.any(String) })
    const edits = await h.call<{ versions: { body: string }[] }>({
      method: 'GET',
      path: `/conversations/${id}/messages/${message.seq}/edits`,
      token: (others[1] as Person).token,
    })
    expect(edits.body.versions.map((version) => version.body)).toEqual(['helo', 'hello'])
    expect((await log(id)).map((event) => [event.event, event.type])).toEqual([
      [2, 'message.new'],
      [3, 'message.updated'],
    ])
  })

  it('over HTTP answers the new body and time', async () => {
    const { id, owner } = await group(1)
    const message = await send(owner, id, 'draft')
    const response = await h.call<{ body: string; editedAt: string }>({
      method: 'PATCH',
      path: `/conversations/${id}/messages/${message.seq}`,
      token: owner.token,
      body: { body: 'final' },
    })
    expect(response.status).toBe(200)
    expect(response.body).toMatchObject({ conversationId: id, seq: message.seq, body: 'final' })
  })

  it('after the window is refused with an error frame and changes nothing', async () => {
    const { id, owner } = await group(1)
    const message = await send(owner, id, 'old news')
    const windowMs = config().MESSAGE_EDIT_WINDOW_MINUTES * 60_000
    await messagesOf(await mongoDb()).updateOne(
      { _id: message.id },
      { $set: { createdAt: new Date(Date.now() - windowMs - 1000) } },
    )
    const events = await lastEvent(id)
    const since = count(owner)
    await h.frame(owner, owner.connectionId, {
      action: 'editMessage',
      conversationId: id,
      seq: message.seq,
      body: 'new',
    })

    expect(framesAfter(owner.connectionId, since)).toEqual([
      expect.objectContaining({ type: 'error', code: 'forbidden', action: 'editMessage' }),
    ])
    expect((await stored(id, message.seq))?.body).toBe('old news')
    expect(await lastEvent(id)).toBe(events)
  })

  it('of another member’s message is refused, even for the group owner, over WebSocket and HTTP', async () => {
    const { id, owner, others } = await group(1)
    const member = others[0] as Member
    const message = await send(member, id, 'mine')
    const since = count(owner)
    await h.frame(owner, owner.connectionId, {
      action: 'editMessage',
      conversationId: id,
      seq: message.seq,
      body: 'x',
    })
    expect(framesAfter(owner.connectionId, since)).toEqual([
      expect.objectContaining({ type: 'error', code: 'forbidden' }),
    ])
    const response = await h.call({
      method: 'PATCH',
      path: `/conversations/${id}/messages/${message.seq}`,
      token: owner.token,
      body: { body: 'x' },
    })
    expect(response.status).toBe(403)
    expect((await stored(id, message.seq))?.body).toBe('mine')
    expect(await lastEvent(id)).toBe((made.get(id) ?? 0) + 1)
  })
})

describe('deleting a message', () => {
  it('by another plain member is refused; by a group admin leaves a tombstone with its seq, told and logged', async () => {
    const { id, owner, others } = await group(2)
    const [author, bystander] = others as [Member, Member]
    const message = await send(author, id, 'regrettable')

    const since = count(bystander)
    await h.frame(bystander, bystander.connectionId, {
      action: 'deleteMessage',
      conversationId: id,
      seq: message.seq,
    })
    expect(framesAfter(bystander.connectionId, since)).toEqual([
      expect.objectContaining({ type: 'error', code: 'forbidden', action: 'deleteMessage' }),
    ])
    expect((await stored(id, message.seq))?.body).toBe('regrettable')

    await h.call({
      method: 'POST',
      path: `/conversations/${id}/members`,
      token: owner.token,
      body: { userIds: [bystander.id], role: 'admin' },
    })
    const before = [author, owner].map(count)
    const response = await h.call({
      method: 'DELETE',
      path: `/conversations/${id}/messages/${message.seq}`,
      token: bystander.token,
    })
    expect(response.status).toBe(204)
    for (const [i, member] of [author, owner].entries())
      expect(framesAfter(member.connectionId, before[i] as number)).toEqual([
        { type: 'message.deleted', conversationId: id, seq: message.seq, event: 3 },
      ])
    const [item] = await history(owner, id)
    expect(item).toMatchObject({ seq: message.seq, body: '', attachments: [], deleted: true })
    expect((await log(id)).map((event) => event.type)).toEqual(['message.new', 'message.deleted'])
  })

  it('by a non-member is not found, and a tombstone deleted again changes nothing', async () => {
    const { id, owner } = await group(1)
    const stranger = await online(h)
    const message = await send(owner, id, 'x')
    const refused = await h.call({
      method: 'DELETE',
      path: `/conversations/${id}/messages/${message.seq}`,
      token: stranger.token,
    })
    expect(refused.status).toBe(404)
    for (let i = 0; i < 2; i++) {
      const response = await h.call({
        method: 'DELETE',
        path: `/conversations/${id}/messages/${message.seq}`,
        token: owner.token,
      })
      expect(response.status).toBe(204)
    }
    expect((await log(id)).map((event) => event.type)).toEqual(['message.new', 'message.deleted'])
  })
})

describe('reactions', () => {
  it('on twice counts once, off takes it away, and every change reaches every member with the counts', async () => {
    const { id, owner, others } = await group(1)
    const member = others[0] as Member
    const message = await send(owner, id, 'vote')
    const react = (user: Member, emoji: string, on: boolean) =>
      h.frame(user, user.connectionId, { action: 'react', conversationId: id, seq: message.seq, emoji, on })
    const since = count(owner)
    await react(member, '👍', true)
    await react(member, '👍', true)
    await react(owner, '👍', true)
    await react(member, '👍', false)

    expect(
      framesAfter(owner.connectionId, since).map((frame) => [frame.userId, frame.on, frame.counts]),
    ).toEqual([
      [member.id, true, { '👍': 1 }],
      [owner.id, true, { '👍': 2 }],
      [member.id, false, { '👍': 1 }],
    ])
    const [item] = await history(member, id)
    expect(item?.reactions).toEqual({ '👍': 1 })
    expect((await log(id)).map((event) => event.type)).toEqual([
      'message.new',
      'reaction',
      'reaction',
      'reaction',
    ])
  })

  it('by a non-member is refused as not found, over WebSocket and HTTP, and changes nothing', async () => {
    const { id, owner } = await group(1)
    const stranger = await online(h, [owner])
    const message = await send(owner, id, 'members only')
    await h.frame(stranger, stranger.connectionId, {
      action: 'react',
      conversationId: id,
      seq: message.seq,
      emoji: '👍',
      on: true,
    })
    expect(h.framesOf(stranger.connectionId)).toEqual([
      expect.objectContaining({ type: 'error', code: 'not_found', action: 'react' }),
    ])
    const response = await h.call({
      method: 'POST',
      path: `/conversations/${id}/messages/${message.seq}/reactions`,
      token: stranger.token,
      body: { emoji: '👍', on: true },
    })
    expect(response.status).toBe(404)
    expect((await stored(id, message.seq))?.reactions).toBeUndefined()
    expect(await lastEvent(id)).toBe((made.get(id) ?? 0) + 1)
  })
})

describe('replies', () => {
  it('quote the parent as it is now: its body, later its tombstone', async () => {
    const { id, owner, others } = await group(1)
    const member = others[0] as Member
    const parent = await send(owner, id, 'question?')
    const since = count(member)
    const reply = await send(owner, id, 'answer', { replyTo: parent.seq })
    expect((reply as unknown as Frame).replyTo).toEqual({
      seq: parent.seq,
      senderId: owner.id,
      body: 'question?',
    })
    expect(messageIn(framesAfter(member.connectionId, since)[0])).toEqual(reply)

    await h.frame(owner, owner.connectionId, { action: 'deleteMessage', conversationId: id, seq: parent.seq })
    const items = await history(member, id)
    expect(items.at(-1)?.replyTo).toEqual({ seq: parent.seq, senderId: owner.id, body: '', deleted: true })
  })

  it('to a seq holding no message of the conversation is refused', async () => {
    const { id, owner } = await group(1)
    const since = count(owner)
    await h.frame(owner, owner.connectionId, {
      action: 'sendMessage',
      conversationId: id,
      clientMsgId: randomUUID(),
      body: 'to nothing',
      replyTo: 99,
    })
    expect(framesAfter(owner.connectionId, since)).toEqual([
      expect.objectContaining({ type: 'error', code: 'invalid_request' }),
    ])
  })
})

describe('a deleted message with a file', () => {
  it('stops granting the file to the conversation: its download record goes with the message', async () => {
    const { id, owner } = await group(1)
    const sent = await send(owner, id, 'the plan')
    const key = `uploads/${owner.id}/${randomUUID()}/plan.pdf`
    const sql = await postgresClient()
    // The attachment as a send with a checked upload leaves it: on the message, and recorded for the download check.
    await messagesOf(await mongoDb()).updateOne(
      { _id: messageId(id, sent.seq) },
      { $set: { attachments: [{ key, name: 'plan.pdf', contentType: 'application/pdf', size: 10 }] } },
    )
    await sql`insert into message_attachments (upload_key, conversation_id) values (${key}, ${id})`
    const granted = () =>
      sql`select 1 from message_attachments where conversation_id = ${id} and upload_key = ${key}`

    await h.frame(owner, owner.connectionId, { action: 'deleteMessage', conversationId: id, seq: sent.seq })
    expect(await granted()).toHaveLength(0)
  })
})

describe('group changes', () => {
  it('adding, removing and handing over tell the members and are logged in order with the messages', async () => {
    const { id, owner, others } = await group(1)
    const [member] = others as [Member]
    const newcomer = await online(h, [owner])
    await send(owner, id, 'welcome')
    const since = count(member)

    const added = await h.call({
      method: 'POST',
      path: `/conversations/${id}/members`,
      token: owner.token,
      body: { userIds: [newcomer.id] },
    })
    expect(added.status).toBe(200)
    const handed = await h.call({
      method: 'PATCH',
      path: `/conversations/${id}`,
      token: owner.token,
      body: { ownerId: member.id, name: 'Crew' },
    })
    expect(handed.status).toBe(200)
    const removed = await h.call({
      method: 'DELETE',
      path: `/conversations/${id}/members/${newcomer.id}`,
      token: member.token,
    })
    expect(removed.status).toBe(204)

    expect(framesAfter(member.connectionId, since)).toEqual([
      { type: 'member.added', conversationId: id, userId: newcomer.id, event: 3 },
      { type: 'conversation.updated', conversationId: id, name: 'Crew', ownerId: member.id, event: 4 },
      { type: 'member.removed', conversationId: id, userId: newcomer.id, event: 5 },
    ])
    expect(h.framesOf(newcomer.connectionId).map((frame) => frame.type)).toEqual([
      'member.added',
      'conversation.updated',
      'member.removed',
    ])
    expect((await log(id)).map((event) => event.type)).toEqual([
      'message.new',
      'member.added',
      'conversation.updated',
      'member.removed',
    ])
    // The old owner stays as an admin, and may now leave.
    const left = await h.call({
      method: 'DELETE',
      path: `/conversations/${id}/members/${owner.id}`,
      token: owner.token,
    })
    expect(left.status).toBe(204)
  })

  it('hand-over is the owner’s alone', async () => {
    const { id, owner, others } = await group(2)
    const [admin, member] = others as [Member, Member]
    await h.call({
      method: 'POST',
      path: `/conversations/${id}/members`,
      token: owner.token,
      body: { userIds: [admin.id], role: 'admin' },
    })
    const refused = await h.call({
      method: 'PATCH',
      path: `/conversations/${id}`,
      token: admin.token,
      body: { ownerId: member.id },
    })
    expect(refused.status).toBe(403)
    const renamed = await h.call({
      method: 'PATCH',
      path: `/conversations/${id}`,
      token: admin.token,
      body: { name: 'Renamed' },
    })
    expect(renamed.status).toBe(200)
  })
})

describe('blocks in groups', () => {
  it('hide the blocked member’s messages and quotes of them from the blocker, live, in history and the list, and from no one else', async () => {
    const { id, owner, others } = await group(2)
    const [blocker, bystander] = others as [Member, Member]
    await (await postgresClient())`insert into blocks (blocker_id, blocked_id) values (${blocker.id}, ${owner.id})`
    const since = [blocker, bystander].map(count)
    const message = await send(owner, id, 'can you see me')

    const [hidden] = framesAfter(blocker.connectionId, since[0] as number)
    expect(messageIn(hidden)).toMatchObject({ seq: message.seq, senderId: owner.id, body: '', hidden: true })
    expect(messageIn(framesAfter(bystander.connectionId, since[1] as number)[0])).toEqual(message)
    expect((await history(blocker, id)).at(-1)).toMatchObject({ body: '', hidden: true })
    expect((await history(bystander, id)).at(-1)).toMatchObject({ body: 'can you see me' })
    expect((await stored(id, message.seq))?.body).toBe('can you see me')
    const listed = await h.call<{ items: { id: string; lastMessage: Frame }[] }>({
      method: 'GET',
      path: '/conversations',
      token: blocker.token,
    })
    expect(listed.body.items.find((item) => item.id === id)?.lastMessage).toMatchObject({
      body: '',
      hidden: true,
    })

    const beforeReply = count(blocker)
    const reply = await send(bystander, id, 'I can', { replyTo: message.seq })
    expect((reply as unknown as Frame).replyTo).toMatchObject({ body: 'can you see me' })
    const quoted = { seq: message.seq, senderId: owner.id, body: '', hidden: true }
    expect(messageIn(framesAfter(blocker.connectionId, beforeReply)[0])).toMatchObject({
      body: 'I can',
      replyTo: quoted,
    })
    expect((await history(blocker, id)).at(-1)).toMatchObject({ body: 'I can', replyTo: quoted })

    const before = count(blocker)
    await h.frame(owner, owner.connectionId, {
      action: 'editMessage',
      conversationId: id,
      seq: message.seq,
      body: 'edited',
    })
    expect(framesAfter(blocker.connectionId, before)).toEqual([])
  })
})

describe('event numbers', () => {
  it('are gap-free and each recorded once under concurrent sends, edits and reactions', async () => {
    const { id, owner, others } = await group(2)
    const first = await send(owner, id, 'base')
    await Promise.all([
      ...Array.from({ length: 6 }, (_, i) => send(others[i % 2] as Member, id, `m${i}`)),
      ...Array.from({ length: 4 }, (_, i) =>
        h.frame(owner, owner.connectionId, {
          action: 'editMessage',
          conversationId: id,
          seq: first.seq,
          body: `e${i}`,
        }),
      ),
      ...others.map((other) =>
        h.frame(other, other.connectionId, {
          action: 'react',
          conversationId: id,
          seq: first.seq,
          emoji: '🎉',
          on: true,
        }),
      ),
    ])
    const events = await log(id)
    expect(events.map((event) => event.event)).toEqual(Array.from({ length: 13 }, (_, i) => i + 2))
    const lastEdit = events.filter((event) => event.type === 'message.updated').at(-1)
    // The message holds the edit with the highest number: changes are stored in the order of their numbers.
    expect((await stored(id, first.seq))?.body).toBe(
      lastEdit && 'frame' in lastEdit ? (lastEdit.frame as { body: string }).body : '',
    )
  })
})
