// Through the local gateway with real WebSocket clients: a device that was away resumes from its last cursor and
// gets exactly what it missed, in order, once, then live frames with no gap.
import { beforeAll, describe, expect, it } from 'vitest'
import { befriend } from '../../integration/realtime/people.ts'
import type { Device, Frame } from '../realtime/sockets.ts'
import { type Account, asPerson, gateway, ofType, send } from './gateway.ts'

const { signUp, device, api } = gateway('sync')

let alice: Account
let bob: Account
let carol: Account

beforeAll(async () => {
  ;[alice, bob, carol] = await Promise.all([signUp('alice'), signUp('bob'), signUp('carol')])
  await befriend(asPerson(alice), asPerson(bob))
  await befriend(asPerson(alice), asPerson(carol))
})

/** Sends a message from `from` and waits for its ack; returns its seq. */
async function sendMessage(from: Device, conversationId: string, body: string): Promise<number> {
  const clientMsgId = `sync-${body}-${Math.random()}`
  send(from, { action: 'sendMessage', conversationId, clientMsgId, body })
  const ack = await from.next((frame) => frame.type === 'message.ack' && frame.clientMsgId === clientMsgId)
  return (ack.message as { seq: number }).seq
}

/** What a frame is about: its type, the conversation's event number and what it names. */
const brief = (frame: Frame) => [
  frame.type,
  frame.event,
  frame.type === 'message.new' ? (frame.message as { body: string }).body : (frame.seq ?? frame.userId),
]

describe('resuming after time away', () => {
  it('replays exactly the missed events, in order, once each, then hands over to live frames', async () => {
    const group = await api<{ id: string }>(alice, 'POST', '/conversations', {
      type: 'group',
      name: 'Away',
      memberIds: [bob.id],
    })
    expect(group.status).toBe(201)
    const conversationId = group.body.id
    const alicePhone = await device(alice)
    const bobPhone = await device(bob)

    const seqs = [
      await sendMessage(alicePhone, conversationId, 'one'),
      await sendMessage(alicePhone, conversationId, 'two'),
      await sendMessage(alicePhone, conversationId, 'three'),
    ]
    for (let i = 0; i < 3; i++) await bobPhone.next(ofType('message.new'))
    const lastCursor = bobPhone.seen.filter((frame) => frame.cursor !== undefined).at(-1)?.cursor
    expect(lastCursor).toEqual(expect.any(String))
    await bobPhone.close()

    await sendMessage(alicePhone, conversationId, 'four')
    await sendMessage(alicePhone, conversationId, 'five')
    send(alicePhone, { action: 'editMessage', conversationId, seq: seqs[0], body: 'one, edited' })
    await alicePhone.next(ofType('message.updated'))
    send(alicePhone, { action: 'deleteMessage', conversationId, seq: seqs[1] })
    await alicePhone.next(ofType('message.deleted'))
    send(alicePhone, { action: 'react', conversationId, seq: seqs[2], emoji: '🎉', on: true })
    await alicePhone.next(ofType('reaction'))
    const added = await api(alice, 'POST', `/conversations/${conversationId}/members`, {
      userIds: [carol.id],
    })
    expect(added.status).toBe(200)
    await alicePhone.next(ofType('member.added'))

    const bobAgain = await device(bob)
    send(bobAgain, { action: 'resume', cursor: lastCursor })
    const resumed = await bobAgain.next(ofType('resumed'))
    expect(resumed).toEqual({ type: 'resumed', cursor: expect.any(String), hasMore: false })
    // Bob was offline for 'four' and 'five', so the notify worker may push their inbox `notification` frames to his
    // new device at any moment: live frames of the inbox, not conversation events a resume replays.
    const replayed = bobAgain.seen.filter(
      (frame) => frame.type !== 'resumed' && frame.type !== 'notification',
    )
    expect(replayed.map(brief)).toEqual([
      ['message.new', 5, 'four'],
      ['message.new', 6, 'five'],
      ['message.updated', 7, seqs[0]],
      ['message.deleted', 8, seqs[1]],
      ['reaction', 9, seqs[2]],
      ['member.added', 10, carol.id],
    ])
    expect(replayed.find(ofType('message.updated'))).toMatchObject({ body: 'one, edited' })
    expect(replayed.find(ofType('reaction'))).toMatchObject({
      emoji: '🎉',
      userId: alice.id,
      counts: { '🎉': 1 },
    })

    // Live again: the next event follows with the next number, and nothing came twice.
    await sendMessage(alicePhone, conversationId, 'six')
    const live = await bobAgain.next((frame) => frame.type === 'message.new' && frame.event === 11)
    expect(brief(live)).toEqual(['message.new', 11, 'six'])
    const numbers = bobAgain.seen.flatMap((frame) => (typeof frame.event === 'number' ? [frame.event] : []))
    expect(numbers).toEqual([5, 6, 7, 8, 9, 10, 11])

    // GET /sync from the same cursor says the same; from the resumed cursor, only what came after.
    const page = await api<{ events: Frame[]; hasMore: boolean }>(
      bob,
      'GET',
      `/sync?cursor=${encodeURIComponent(lastCursor as string)}`,
    )
    expect(page.body.events.map(brief)).toEqual([...replayed.map(brief), ['message.new', 11, 'six']])
    const after = await api<{ events: Frame[] }>(
      bob,
      'GET',
      `/sync?cursor=${encodeURIComponent(resumed.cursor as string)}`,
    )
    expect(after.body.events.map(brief)).toEqual([['message.new', 11, 'six']])
  })

  it('refuses a forged cursor: 410 cursor_expired over HTTP, an error frame over WebSocket', async () => {
    const forged = await api<{ code: string }>(bob, 'GET', '/sync?cursor=eyJzZWVuIjoiMToxOiJ9.forged')
    expect(forged.status).toBe(410)
    expect(forged.body.code).toBe('cursor_expired')
    const phone = await device(bob)
    send(phone, { action: 'resume', cursor: 'eyJzZWVuIjoiMToxOiJ9.forged' })
    expect(await phone.next(ofType('error'))).toMatchObject({ code: 'cursor_expired', action: 'resume' })
  })
})
