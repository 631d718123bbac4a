// Through the local gateway with real WebSocket clients and real tokens: friends chat, a stranger is refused.
import { randomUUID } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { befriend } from '../../integration/realtime/people.ts'
import { type Account, asPerson, gateway, ofType } from './gateway.ts'

const { signUp, device, api: call } = gateway('messaging')
const api = <T>(user: Account, path: string) => call<T>(user, 'GET', path)

let alice: Account
let bob: Account
let carol: Account

beforeAll(async () => {
  ;[alice, bob, carol] = await Promise.all([signUp('alice'), signUp('bob'), signUp('carol')])
  await befriend(asPerson(alice), asPerson(bob))
})

describe('friends chatting through the gateway', () => {
  it('A sends to B by toUserId: A gets the ack with seq 1, both of B’s devices get message.new, both read it in the history', async () => {
    const alicePhone = await device(alice)
    const [bobPhone, bobTablet] = [await device(bob), await device(bob)]

    alicePhone.socket.send(
      JSON.stringify({ action: 'sendMessage', toUserId: bob.id, clientMsgId: 'first', body: 'Hi Bob!' }),
    )

    const ack = await alicePhone.next(ofType('message.ack'))
    expect(ack).toMatchObject({
      clientMsgId: 'first',
      message: { seq: 1, senderId: alice.id, body: 'Hi Bob!', clientMsgId: 'first' },
    })
    const message = ack.message as { id: string; conversationId: string }
    const told = { type: 'message.new', message, event: 1, cursor: expect.any(String) }
    expect(await bobPhone.next(ofType('message.new'))).toEqual(told)
    expect(await bobTablet.next(ofType('message.new'))).toEqual(told)

    for (const reader of [alice, bob]) {
      const history = await api<{ items: { id: string }[] }>(
        reader,
        `/conversations/${message.conversationId}/messages`,
      )
      expect(history.status).toBe(200)
      // Neither of B's devices acknowledged or read it yet: the receipts name no one.
      expect(history.body.items).toEqual([{ ...message, deliveredTo: [], readBy: [] }])
    }
    const list = await api<{ items: { id: string; unreadCount: number }[] }>(bob, '/conversations')
    expect(list.body.items).toEqual([expect.objectContaining({ id: message.conversationId, unreadCount: 1 })])
  })

  it('refuses C, who is no friend of B, with an error frame; B hears nothing', async () => {
    const carolPhone = await device(carol)
    const bobPhone = await device(bob)
    carolPhone.socket.send(
      JSON.stringify({ action: 'sendMessage', toUserId: bob.id, clientMsgId: 'nope', body: 'Hello?' }),
    )
    expect(await carolPhone.next(ofType('error'))).toMatchObject({
      code: 'forbidden',
      action: 'sendMessage',
      clientMsgId: 'nope',
    })
    bobPhone.socket.send('{"action":"ping"}')
    await bobPhone.next(ofType('pong'))
    expect(bobPhone.pending()).toEqual([])
  })

  it('stores one message for the same clientMsgId sent three times, and acks the same id each time', async () => {
    const alicePhone = await device(alice)
    const bobPhone = await device(bob)
    const frame = JSON.stringify({
      action: 'sendMessage',
      toUserId: bob.id,
      clientMsgId: randomUUID(),
      body: 'once',
    })
    for (let i = 0; i < 3; i++) alicePhone.socket.send(frame)
    const acks = [
      await alicePhone.next(ofType('message.ack')),
      await alicePhone.next(ofType('message.ack')),
      await alicePhone.next(ofType('message.ack')),
    ]
    const ids = new Set(acks.map((ack) => (ack.message as { id: string }).id))
    expect(ids.size).toBe(1)
    const delivered = await bobPhone.next(ofType('message.new'))
    const { conversationId, seq } = delivered.message as { conversationId: string; seq: number }
    const history = await api<{ items: { seq: number; body: string }[] }>(
      bob,
      `/conversations/${conversationId}/messages?after=${seq - 1}`,
    )
    expect(history.body.items.map((item) => item.body)).toEqual(['once'])
    bobPhone.socket.send('{"action":"ping"}')
    await bobPhone.next(ofType('pong'))
    expect(bobPhone.pending()).toEqual([])
  })

  it('relays typing and read markers between the two', async () => {
    const [alicePhone, bobPhone] = [await device(alice), await device(bob)]
    const conversationId = (await api<{ items: { id: string; lastSeq: number }[] }>(alice, '/conversations'))
      .body.items[0] as { id: string; lastSeq: number }
    bobPhone.socket.send(
      JSON.stringify({ action: 'typing', conversationId: conversationId.id, state: 'start' }),
    )
    expect(await alicePhone.next(ofType('typing'))).toEqual({
      type: 'typing',
      conversationId: conversationId.id,
      userId: bob.id,
      state: 'start',
    })
    bobPhone.socket.send(
      JSON.stringify({ action: 'markRead', conversationId: conversationId.id, seq: conversationId.lastSeq }),
    )
    expect(await alicePhone.next(ofType('read'))).toEqual({
      type: 'read',
      conversationId: conversationId.id,
      userId: bob.id,
      seq: conversationId.lastSeq,
    })
  })
})
