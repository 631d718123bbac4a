// Through the local gateway with real WebSocket clients: edits, reactions, deletes, replies, group changes and blocks.
import { randomUUID } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { befriend } from '../../integration/realtime/people.ts'
import type { Frame } from '../realtime/sockets.ts'
import { type Account, asPerson, gateway, ofType, send } from './gateway.ts'

const { signUp, device, api } = gateway('lifecycle')

let alice: Account
let bob: Account
let carol: Account
let dave: Account

beforeAll(async () => {
  ;[alice, bob, carol, dave] = await Promise.all([
    signUp('alice'),
    signUp('bob'),
    signUp('carol'),
    signUp('dave'),
  ])
  await befriend(asPerson(alice), asPerson(bob))
  await befriend(asPerson(alice), asPerson(carol))
})

describe('a message’s life in a group, through the gateway', () => {
  it('is edited, reacted to, replied to and deleted, each change reaching the members; refusals change nothing', async () => {
    const group = await api<{ id: string }>(alice, 'POST', '/conversations', {
      type: 'group',
      name: 'Lifecycle',
      memberIds: [bob.id],
    })
    expect(group.status).toBe(201)
    const conversationId = group.body.id
    const [alicePhone, bobPhone, davePhone] = [await device(alice), await device(bob), await device(dave)]

    send(alicePhone, { action: 'sendMessage', conversationId, clientMsgId: 'm1', body: 'Lunch at noon?' })
    const { seq } = (await alicePhone.next(ofType('message.ack'))).message as { seq: number }
    await bobPhone.next(ofType('message.new'))

    send(alicePhone, { action: 'editMessage', conversationId, seq, body: 'Lunch at one?' })
    expect(await bobPhone.next(ofType('message.updated'))).toEqual({
      type: 'message.updated',
      conversationId,
      seq,
      body: 'Lunch at one?',
      editedAt: expect.any(String),
      event: 3,
      cursor: expect.any(String),
    })
    await alicePhone.next(ofType('message.updated'))

    send(bobPhone, { action: 'editMessage', conversationId, seq, body: 'Lunch at two!' })
    expect(await bobPhone.next(ofType('error'))).toMatchObject({ code: 'forbidden', action: 'editMessage' })
    send(bobPhone, { action: 'deleteMessage', conversationId, seq })
    expect(await bobPhone.next(ofType('error'))).toMatchObject({ code: 'forbidden', action: 'deleteMessage' })
    send(davePhone, { action: 'react', conversationId, seq, emoji: '👍', on: true })
    expect(await davePhone.next(ofType('error'))).toMatchObject({ code: 'not_found', action: 'react' })

    send(bobPhone, { action: 'react', conversationId, seq, emoji: '👍', on: true })
    expect(await alicePhone.next(ofType('reaction'))).toEqual({
      type: 'reaction',
      conversationId,
      seq,
      emoji: '👍',
      userId: bob.id,
      on: true,
      counts: { '👍': 1 },
      event: 4,
      cursor: expect.any(String),
    })

    send(bobPhone, { action: 'sendMessage', conversationId, clientMsgId: 'r1', body: 'Sure', replyTo: seq })
    expect((await alicePhone.next(ofType('message.new'))).message).toMatchObject({
      body: 'Sure',
      replyTo: { seq, senderId: alice.id, body: 'Lunch at one?' },
    })

    send(alicePhone, { action: 'deleteMessage', conversationId, seq })
    expect(await bobPhone.next(ofType('message.deleted'))).toEqual({
      type: 'message.deleted',
      conversationId,
      seq,
      event: 6,
      cursor: expect.any(String),
    })

    const history = await api<{ items: Frame[] }>(bob, 'GET', `/conversations/${conversationId}/messages`)
    expect(history.body.items.map((item) => [item.seq, item.body, item.deleted, item.replyTo])).toEqual([
      [seq, '', true, undefined],
      [seq + 1, 'Sure', undefined, { seq, senderId: alice.id, body: '', deleted: true }],
    ])
    expect(davePhone.pending()).toEqual([])
  })

  it('member changes and a hand-over reach the members; a blocker gets the blocked member’s messages hidden', async () => {
    const group = await api<{ id: string }>(alice, 'POST', '/conversations', {
      type: 'group',
      name: 'Crew',
      memberIds: [bob.id],
    })
    const conversationId = group.body.id
    const [alicePhone, bobPhone] = [await device(alice), await device(bob)]

    expect(
      (await api(alice, 'POST', `/conversations/${conversationId}/members`, { userIds: [carol.id] })).status,
    ).toBe(200)
    expect(await bobPhone.next(ofType('member.added'))).toEqual({
      type: 'member.added',
      conversationId,
      userId: carol.id,
      event: 2,
      cursor: expect.any(String),
    })
    expect((await api(alice, 'PATCH', `/conversations/${conversationId}`, { ownerId: bob.id })).status).toBe(
      200,
    )
    expect(await bobPhone.next(ofType('conversation.updated'))).toEqual({
      type: 'conversation.updated',
      conversationId,
      name: 'Crew',
      ownerId: bob.id,
      event: 3,
      cursor: expect.any(String),
    })

    expect((await api(bob, 'POST', `/friends/${alice.id}/block`)).status).toBeLessThan(300)
    send(alicePhone, { action: 'sendMessage', conversationId, clientMsgId: randomUUID(), body: 'still here' })
    expect((await bobPhone.next(ofType('message.new'))).message).toMatchObject({
      senderId: alice.id,
      body: '',
      attachments: [],
      hidden: true,
    })

    expect((await api(bob, 'DELETE', `/conversations/${conversationId}/members/${carol.id}`)).status).toBe(
      204,
    )
    expect(await alicePhone.next(ofType('member.removed'))).toEqual({
      type: 'member.removed',
      conversationId,
      userId: carol.id,
      event: 5,
      cursor: expect.any(String),
    })
  })
})
