// Delivered receipts: a cumulative marker per member, `delivered` to the senders once per recipient per message,
// and each message's receipts in history.
import { randomUUID } from 'node:crypto'
import postgres from 'postgres'
import { beforeAll, describe, expect, it } from 'vitest'
import { befriend, type Harness, harness, online } from './harness.ts'

let h: Harness
beforeAll(() => {
  h = harness()
})

type Member = Awaited<ReturnType<typeof online>>

async function send(from: Member, conversationId: string, count = 1) {
  for (let i = 0; i < count; i++)
    await h.frame(from, from.connectionId, {
      action: 'sendMessage',
      conversationId,
      clientMsgId: randomUUID(),
      body: `from ${from.id.slice(0, 4)}`,
    })
}

/** A group of three, each with one connection, and `count` messages from the first. */
async function group(count: number) {
  const [bob, carol] = [await online(h), await online(h)]
  const alice = await online(h, [bob, carol])
  await befriend(bob, carol)
  const created = await h.call<{ id: string }>({
    method: 'POST',
    path: '/conversations',
    token: alice.token,
    body: { type: 'group', name: 'Receipts', memberIds: [bob.id, carol.id] },
  })
  const conversationId = created.body.id
  await send(alice, conversationId, count)
  h.management.posted.clear()
  return { alice, bob, carol, conversationId }
}

const ack = (member: Member, conversationId: string, seq: number, connectionId = member.connectionId) =>
  h.frame(member, connectionId, { action: 'ackDelivery', conversationId, seq })

const deliveredFrames = (connectionId: string) =>
  h.framesOf(connectionId).filter((frame) => frame.type === 'delivered')

describe('ackDelivery', () => {
  it('tells the sender’s connections once, and no one else', async () => {
    const { alice, bob, carol, conversationId } = await group(3)
    const aliceLaptop = await h.device(alice)
    const bobLaptop = await h.device(bob)
    await ack(bob, conversationId, 2)
    const delivered = { type: 'delivered', conversationId, seq: 2, userId: bob.id }
    expect(deliveredFrames(alice.connectionId)).toEqual([delivered])
    expect(deliveredFrames(aliceLaptop)).toEqual([delivered])
    for (const connection of [bob.connectionId, bobLaptop, carol.connectionId])
      expect(h.framesOf(connection)).toEqual([])
  })

  it('is cumulative: a second device acknowledging the same is silent, and only what is new is reported', async () => {
    const { alice, bob, conversationId } = await group(3)
    const bobLaptop = await h.device(bob)
    await ack(bob, conversationId, 2)
    await ack(bob, conversationId, 2, bobLaptop)
    await ack(bob, conversationId, 1)
    await ack(bob, conversationId, 99)
    expect(deliveredFrames(alice.connectionId).map((frame) => frame.seq)).toEqual([2, 3])
  })

  it('reports each message once when two devices acknowledge at the same moment', async () => {
    const { alice, bob, conversationId } = await group(3)
    const bobLaptop = await h.device(bob)
    await Promise.all([ack(bob, conversationId, 3), ack(bob, conversationId, 3, bobLaptop)])
    expect(deliveredFrames(alice.connectionId)).toEqual([
      { type: 'delivered', conversationId, seq: 3, userId: bob.id },
    ])
  })

  it('reports each sender’s messages once when two devices acknowledge different seqs at the same moment', async () => {
    const { alice, bob, carol, conversationId } = await group(2)
    await send(carol, conversationId)
    h.management.posted.clear()
    const bobLaptop = await h.device(bob)
    // Two connections, as two Lambda instances would have: the process's own client runs one statement at a time.
    const pool = postgres(process.env.DATABASE_URL as string, { max: 2, onnotice: () => {} })
    const concurrent = harness({ sql: async () => pool })
    const ackOn = (connectionId: string, seq: number) =>
      concurrent.frame(bob, connectionId, { action: 'ackDelivery', conversationId, seq })
    try {
      await Promise.all([ackOn(bob.connectionId, 2), ackOn(bobLaptop, 3)])
    } finally {
      await pool.end()
    }
    const framesOf = (connectionId: string) =>
      concurrent.framesOf(connectionId).filter((frame) => frame.type === 'delivered')
    // Whichever lands first, alice's two messages are reported in one frame and carol's one in one frame.
    expect(framesOf(alice.connectionId)).toHaveLength(1)
    expect(framesOf(carol.connectionId)).toEqual([
      { type: 'delivered', conversationId, seq: 3, userId: bob.id },
    ])
  })

  it('tells every sender the acknowledgement newly covers, each once per recipient', async () => {
    const { alice, bob, carol, conversationId } = await group(1)
    await send(carol, conversationId, 2)
    h.management.posted.clear()
    await ack(bob, conversationId, 3)
    await ack(alice, conversationId, 3)
    expect(deliveredFrames(alice.connectionId)).toEqual([
      { type: 'delivered', conversationId, seq: 3, userId: bob.id },
    ])
    expect(deliveredFrames(carol.connectionId)).toEqual([
      { type: 'delivered', conversationId, seq: 3, userId: bob.id },
      { type: 'delivered', conversationId, seq: 3, userId: alice.id },
    ])
    expect(deliveredFrames(bob.connectionId)).toEqual([])
  })

  it('reports nothing for messages already read: the read marker told the sender', async () => {
    const { alice, bob, conversationId } = await group(3)
    await h.frame(bob, bob.connectionId, { action: 'markRead', conversationId, seq: 2 })
    await ack(bob, conversationId, 2)
    expect(deliveredFrames(alice.connectionId)).toEqual([])
    await ack(bob, conversationId, 3)
    expect(deliveredFrames(alice.connectionId)).toEqual([
      { type: 'delivered', conversationId, seq: 3, userId: bob.id },
    ])
  })

  it('answers a non-member as if the conversation did not exist, and moves nothing', async () => {
    const { alice, conversationId } = await group(1)
    const stranger = await online(h)
    await ack(stranger, conversationId, 1)
    expect(h.framesOf(stranger.connectionId)).toEqual([
      expect.objectContaining({ type: 'error', code: 'not_found', action: 'ackDelivery' }),
    ])
    expect(deliveredFrames(alice.connectionId)).toEqual([])
  })
})

interface Receipted {
  seq: number
  deliveredTo: number | string[]
  readBy: number | string[]
}

const history = async (member: Member, conversationId: string) =>
  (
    await h.call<{ items: Receipted[] }>({
      method: 'GET',
      path: `/conversations/${conversationId}/messages`,
      token: member.token,
    })
  ).body.items.map(({ seq, deliveredTo, readBy }) => ({ seq, deliveredTo, readBy }))

describe('receipts in history', () => {
  it('counts the other members who received and read each message of a group', async () => {
    const { alice, bob, carol, conversationId } = await group(3)
    await ack(bob, conversationId, 2)
    await h.frame(carol, carol.connectionId, { action: 'markRead', conversationId, seq: 1 })
    expect(await history(alice, conversationId)).toEqual([
      { seq: 1, deliveredTo: 2, readBy: 1 },
      { seq: 2, deliveredTo: 1, readBy: 0 },
      { seq: 3, deliveredTo: 0, readBy: 0 },
    ])
  })

  it('names the other user in a direct conversation once they received or read', async () => {
    const bob = await online(h)
    const alice = await online(h, [bob])
    const created = await h.call<{ id: string }>({
      method: 'POST',
      path: '/conversations',
      token: alice.token,
      body: { type: 'direct', userId: bob.id },
    })
    const conversationId = created.body.id
    await send(alice, conversationId, 3)
    await ack(bob, conversationId, 2)
    await h.frame(bob, bob.connectionId, { action: 'markRead', conversationId, seq: 1 })
    expect(await history(bob, conversationId)).toEqual([
      { seq: 1, deliveredTo: [bob.id], readBy: [bob.id] },
      { seq: 2, deliveredTo: [bob.id], readBy: [] },
      { seq: 3, deliveredTo: [], readBy: [] },
    ])
  })
})
