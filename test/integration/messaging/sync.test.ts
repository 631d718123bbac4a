// Catching up from a cursor on the real stores: GET /sync and the resume action, what they replay, in what order,
// to whom, across pages, and which cursors they refuse.
import { randomUUID } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { acceptFriend, sendFriendRequest } from '../../../lib/friends/requests.ts'
import { postgresClient } from '../../../lib/stores/postgres.ts'
import { cursorCodec } from '../../../lib/sync/cursor.ts'
import { cursorSecret } from '../../../lib/sync/log.ts'
import {
  type Frame,
  type Harness,
  harness,
  messageIn,
  online,
  type Person,
  person,
  startGroup,
} from './harness.ts'

let h: Harness
beforeAll(() => {
  h = harness()
})

type Member = Person & { connectionId: string }

interface SyncPage {
  events: Frame[]
  cursor: string
  hasMore: boolean
}

async function sync(user: Person, cursor?: string, limit?: number) {
  const query = new URLSearchParams({
    ...(cursor !== undefined && { cursor }),
    ...(limit !== undefined && { limit: String(limit) }),
  })
  return h.call<SyncPage>({ method: 'GET', path: `/sync?${query}`, token: user.token })
}

/** Every page from `cursor` on; returns the events and the last page's cursor. */
async function syncAll(user: Person, cursor: string, limit = 100) {
  const events: Frame[] = []
  let next = cursor
  for (let pages = 1; ; pages++) {
    const page = await sync(user, next, limit)
    expect(page.status, JSON.stringify(page.body)).toBe(200)
    events.push(...page.body.events)
    next = page.body.cursor
    if (!page.body.hasMore) return { events, cursor: next, pages }
  }
}

async function now(user: Person): Promise<string> {
  const page = await sync(user)
  expect(page.body).toMatchObject({ events: [], hasMore: false })
  return page.body.cursor
}

async function send(user: Member, conversationId: string, body: string) {
  const clientMsgId = randomUUID()
  await h.frame(user, user.connectionId, { action: 'sendMessage', conversationId, clientMsgId, body })
  const ack = h.framesOf(user.connectionId).find((frame) => frame.clientMsgId === clientMsgId)
  expect(ack?.type, JSON.stringify(ack)).toBe('message.ack')
  return messageIn(ack)
}

/** Type, conversation event number and what identifies it, for comparing a replay with what was done. */
const brief = (frame: Frame) => [
  frame.type,
  frame.event ?? null,
  frame.type === 'message.new' ? messageIn(frame).body : (frame.seq ?? frame.userId ?? null),
]

describe('GET /sync', () => {
  it('replays what a member missed, in order, once, as the live frames, each with the cursor after it', async () => {
    const [bob, carol] = [await online(h), await online(h)]
    const alice = await online(h, [bob, carol])
    const id = await startGroup(h, alice, [bob], 'Sync')
    const first = [await send(alice, id, 'one'), await send(alice, id, 'two'), await send(alice, id, 'three')]
    const live = h.sentTo(bob.connectionId)
    const cursor = live.at(-1)?.cursor as string
    expect(cursor).toEqual(expect.any(String))

    // Bob is away for all of this.
    await send(alice, id, 'four')
    await send(alice, id, 'five')
    await h.frame(alice, alice.connectionId, {
      action: 'editMessage',
      conversationId: id,
      seq: first[0]?.seq,
      body: 'one!',
    })
    await h.frame(alice, alice.connectionId, {
      action: 'deleteMessage',
      conversationId: id,
      seq: first[1]?.seq,
    })
    await h.frame(alice, alice.connectionId, {
      action: 'react',
      conversationId: id,
      seq: first[2]?.seq,
      emoji: '👍',
      on: true,
    })
    const added = await h.call({
      method: 'POST',
      path: `/conversations/${id}/members`,
      token: alice.token,
      body: { userIds: [carol.id] },
    })
    expect(added.status).toBe(200)

    const caughtUp = await syncAll(bob, cursor)
    expect(caughtUp.events.map(brief)).toEqual([
      ['message.new', 5, 'four'],
      ['message.new', 6, 'five'],
      ['message.updated', 7, first[0]?.seq],
      ['message.deleted', 8, first[1]?.seq],
      ['reaction', 9, first[2]?.seq],
      ['member.added', 10, carol.id],
    ])
    // Each replayed frame is what the live connection was sent, the cursor apart.
    const liveSince = h.sentTo(bob.connectionId).slice(live.length)
    const strip = ({ cursor: _, ...frame }: Frame) => frame
    expect(caughtUp.events.map(strip)).toEqual(liveSince.map(strip))
    for (const frame of caughtUp.events) expect(frame.cursor).toEqual(expect.any(String))

    // From the end, and from any replayed frame's cursor, exactly what came after it.
    expect((await syncAll(bob, caughtUp.cursor)).events, 'from the end').toEqual([])
    const fromThird = await syncAll(bob, caughtUp.events[2]?.cursor as string)
    expect(fromThird.events.map(brief)).toEqual(caughtUp.events.slice(3).map(brief))
    // A live frame's cursor covers that frame.
    expect(
      (await syncAll(bob, liveSince.at(-1)?.cursor as string)).events,
      'from the last live frame',
    ).toEqual([])
  })

  it('starts a member where they joined and stops where they left; a stranger sees none of it', async () => {
    const [bob, carol, dave] = [await online(h), await online(h), await online(h)]
    const alice = await online(h, [bob, carol])
    const [bobFrom, carolFrom, daveFrom] = [await now(bob), await now(carol), await now(dave)]
    const id = await startGroup(h, alice, [bob], 'Comings and goings')
    await send(alice, id, 'before carol')
    await h.call({
      method: 'POST',
      path: `/conversations/${id}/members`,
      token: alice.token,
      body: { userIds: [carol.id] },
    })
    await send(alice, id, 'with carol')
    const removed = await h.call({
      method: 'DELETE',
      path: `/conversations/${id}/members/${bob.id}`,
      token: alice.token,
    })
    expect(removed.status).toBe(204)
    await send(alice, id, 'after bob')

    expect((await syncAll(bob, bobFrom)).events.map(brief)).toEqual([
      ['conversation.updated', 1, null],
      ['message.new', 2, 'before carol'],
      ['member.added', 3, carol.id],
      ['message.new', 4, 'with carol'],
      ['member.removed', 5, bob.id],
    ])
    expect((await syncAll(carol, carolFrom)).events.map(brief)).toEqual([
      ['member.added', 3, carol.id],
      ['message.new', 4, 'with carol'],
      ['member.removed', 5, bob.id],
      ['message.new', 6, 'after bob'],
    ])
    expect((await syncAll(dave, daveFrom)).events).toEqual([])
  })

  it('shows a blocked member’s messages hidden and their edits not at all, in groups, as live', async () => {
    const [blocker, bystander] = [await online(h), await online(h)]
    const owner = await online(h, [blocker, bystander])
    const id = await startGroup(h, owner, [blocker, bystander], 'Blocks')
    await (await postgresClient())`insert into blocks (blocker_id, blocked_id) values (${blocker.id}, ${owner.id})`
    const from = [await now(blocker), await now(bystander)]
    const message = await send(owner, id, 'can you see me')
    await h.frame(owner, owner.connectionId, {
      action: 'editMessage',
      conversationId: id,
      seq: message.seq,
      body: 'edited',
    })

    const hidden = (await syncAll(blocker, from[0] as string)).events
    expect(hidden.map((frame) => frame.type)).toEqual(['message.new'])
    expect(messageIn(hidden[0])).toMatchObject({ seq: message.seq, body: '', hidden: true })
    const shown = (await syncAll(bystander, from[1] as string)).events
    expect(shown.map(brief)).toEqual([
      ['message.new', 2, 'edited'],
      ['message.updated', 3, message.seq],
    ])
  })

  it('includes friend requests and acceptances addressed to the user', async () => {
    const [alice, bob] = [await person(), await person()]
    const from = await now(bob)
    const friends = { sql: await postgresClient(), audit: async () => {}, events: async () => {} }
    await sendFriendRequest(friends, alice.id, bob.id)
    const aliceFrom = await now(alice)
    await acceptFriend(friends, bob.id, alice.id)
    expect((await syncAll(bob, from)).events).toEqual([
      expect.objectContaining({ type: 'friend.request', from: expect.objectContaining({ id: alice.id }) }),
    ])
    expect((await syncAll(alice, aliceFrom)).events).toEqual([
      expect.objectContaining({ type: 'friend.accepted', from: expect.objectContaining({ id: bob.id }) }),
    ])
  })

  it('returns 1,000 events across pages and conversations, none twice, none missing, each in its order', async () => {
    // Twenty friends, fifty messages each: no one meets the send rate limit, and each send is told to one device.
    const senders = await Promise.all(Array.from({ length: 20 }, () => online(h)))
    const bob = await online(h, senders)
    const from = await now(bob)
    const perSender = 50
    for (let round = 0; round < perSender; round++)
      await Promise.all(
        senders.map((sender, i) =>
          h.frame(sender, sender.connectionId, {
            action: 'sendMessage',
            toUserId: bob.id,
            clientMsgId: `bulk-${round}-${i}`,
            body: `m${round}`,
          }),
        ),
      )
    const all = await syncAll(bob, from, 300)
    expect(all.pages).toBe(4)
    expect(all.events).toHaveLength(senders.length * perSender)
    const byConversation = new Map<string, number[]>()
    for (const frame of all.events) {
      const message = messageIn(frame)
      byConversation.set(message.conversationId, [
        ...(byConversation.get(message.conversationId) ?? []),
        message.seq,
      ])
      expect(frame.event).toBe(message.seq)
    }
    expect(byConversation.size).toBe(senders.length)
    for (const seqs of byConversation.values())
      expect(seqs).toEqual(Array.from({ length: perSender }, (_, i) => i + 1))
  })

  it('meets a message its sender’s retry stored after the first attempt was refused, past the empty entry', async () => {
    const bob = await online(h)
    const alice = await online(h, [bob])
    const id = await startGroup(h, alice, [bob], 'Retries')
    const from = await now(bob)
    const missing = `uploads/${alice.id}/${randomUUID()}/gone.png`
    const refused = { action: 'sendMessage', conversationId: id, clientMsgId: 'again', body: 'look' }
    await h.frame(alice, alice.connectionId, { ...refused, attachments: [{ key: missing }] })
    expect(h.framesOf(alice.connectionId).at(-1)).toMatchObject({ type: 'error', clientMsgId: 'again' })
    // The refused send's event is logged with no message yet: a page stops before it rather than skip it.
    const waiting = await sync(bob, from)
    expect(waiting.body).toMatchObject({ events: [], hasMore: true })
    await h.frame(alice, alice.connectionId, refused)
    const caughtUp = await syncAll(bob, waiting.body.cursor)
    expect(caughtUp.events.map(brief)).toEqual([['message.new', 2, 'look']])
    expect(h.sentTo(bob.connectionId).at(-1)).toMatchObject({
      type: 'message.new',
      event: 2,
      cursor: expect.any(String),
    })
  })

  it('refuses a forged, altered or expired cursor with 410 cursor_expired, and a malformed query with 400', async () => {
    const alice = await person()
    const good = await now(alice)
    const [payload, signature] = good.split('.') as [string, string]
    const altered = `${Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), seen: '1:1:' }),
    ).toString('base64url')}.${signature}`
    const secret = await cursorSecret(await postgresClient())
    const day = 86_400_000
    const expired = cursorCodec(secret, 90 * day).encode({ seen: '1:1:', seenAt: Date.now() - 91 * day })
    for (const cursor of ['forged', `${payload}.AAAA`, altered, expired]) {
      const answer = await sync(alice, cursor)
      expect(answer.status, cursor).toBe(410)
      expect(answer.body).toMatchObject({ code: 'cursor_expired' })
    }
    expect((await sync(alice, good, 0)).status).toBe(400)
    expect((await sync(alice, good, 501)).status).toBe(400)
  })
})

describe('the resume action', () => {
  it('sends the missed events as frames, in order, then resumed with the cursor to go on from', async () => {
    const bob = await online(h)
    const alice = await online(h, [bob])
    const id = await startGroup(h, alice, [bob], 'Resume')
    const from = h.sentTo(bob.connectionId).at(-1)?.cursor ?? (await now(bob))
    await send(alice, id, 'missed one')
    await send(alice, id, 'missed two')
    const device = await h.device(bob)
    await h.frame(bob, device, { action: 'resume', cursor: from, limit: 1 })
    const [missed, resumed] = h.sentTo(device)
    expect(brief(missed as Frame)).toEqual(['message.new', 2, 'missed one'])
    expect(resumed).toEqual({ type: 'resumed', cursor: expect.any(String), hasMore: true })
    await h.frame(bob, device, { action: 'resume', cursor: resumed?.cursor })
    expect(
      h
        .sentTo(device)
        .slice(2)
        .map((frame) => frame.type),
    ).toEqual(['message.new', 'resumed'])
    expect(h.sentTo(device)[3]).toMatchObject({ type: 'resumed', hasMore: false })
  })

  it('answers a cursor it did not issue with an error frame cursor_expired', async () => {
    const bob = await online(h)
    await h.frame(bob, bob.connectionId, { action: 'resume', cursor: 'not.ours' })
    expect(h.framesOf(bob.connectionId)).toEqual([
      expect.objectContaining({ type: 'error', code: 'cursor_expired', action: 'resume' }),
    ])
  })
})
