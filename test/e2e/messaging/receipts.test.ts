// Delivered and read receipts through the local gateway, with real WebSocket clients: one `delivered` per recipient.
import { randomBytes, randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type LocalRuntime, startLocalRuntime } from '../../../infra/local/runtime.ts'
import { befriend, type Person, person } from '../../integration/realtime/people.ts'
import { connect, type Device, type Frame } from '../realtime/sockets.ts'

let runtime: LocalRuntime
const open: Device[] = []

beforeAll(async () => {
  runtime = await startLocalRuntime({
    env: { ...process.env, STAGE: `receipts-${randomBytes(4).toString('hex')}` },
    httpPort: 0,
    wsPort: 0,
  })
})
afterAll(async () => {
  await Promise.all(open.map((device) => device.close()))
  await runtime?.stop()
})

async function device(user: Person): Promise<Device> {
  const opened = await connect(runtime.wsUrl, user.token)
  open.push(opened)
  return opened
}

const ofType = (type: string) => (frame: Frame) => frame.type === type

describe('receipts', () => {
  it('A sends to B’s two devices: A gets one delivered for B, then read, and history shows both', async () => {
    const [alice, bob] = [await person(), await person()]
    await befriend(alice, bob)
    const [alicePhone, bobPhone, bobLaptop] = [await device(alice), await device(bob), await device(bob)]

    alicePhone.socket.send(
      JSON.stringify({ action: 'sendMessage', toUserId: bob.id, clientMsgId: randomUUID(), body: 'hi' }),
    )
    const { message } = (await alicePhone.next(ofType('message.ack'))) as unknown as {
      message: { conversationId: string; seq: number }
    }
    const { conversationId, seq } = message
    await Promise.all([bobPhone.next(ofType('message.new')), bobLaptop.next(ofType('message.new'))])
    for (const bobDevice of [bobPhone, bobLaptop])
      bobDevice.socket.send(JSON.stringify({ action: 'ackDelivery', conversationId, seq }))

    expect(await alicePhone.next(ofType('delivered'))).toEqual({
      type: 'delivered',
      conversationId,
      seq,
      userId: bob.id,
    })
    bobPhone.socket.send(JSON.stringify({ action: 'markRead', conversationId, seq }))
    expect(await alicePhone.next(ofType('read'))).toEqual({
      type: 'read',
      conversationId,
      userId: bob.id,
      seq,
    })
    // No second `delivered` for B has come so far; test/integration/messaging/delivery.test.ts pins that none ever does.
    expect(alicePhone.pending().filter(ofType('delivered'))).toEqual([])

    const response = await fetch(`${runtime.httpUrl}/conversations/${conversationId}/messages`, {
      headers: { authorization: `Bearer ${alice.token}` },
    })
    const { items } = (await response.json()) as {
      items: { seq: number; deliveredTo: string[]; readBy: string[] }[]
    }
    expect(items).toEqual([expect.objectContaining({ seq, deliveredTo: [bob.id], readBy: [bob.id] })])
  })
})
