// Conversations over HTTP: direct ones between friends, groups and their roles, the list, and who sees what.
import { randomUUID } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { directConversationId } from '../../../lib/conversations/direct.ts'
import { postgresClient } from '../../../lib/stores/postgres.ts'
import { befriend, type Harness, harness, type Person, person } from './harness.ts'

let h: Harness
beforeAll(() => {
  h = harness()
})

interface Detail {
  id: string
  type: string
  name: string | null
  role: string
  peer: { id: string } | null
  members: { id: string; role: string }[]
  unreadCount: number
  lastSeq: number
  lastMessage: { body: string } | null
}

const start = (user: Person, body: Record<string, unknown>) =>
  h.call<Detail>({ method: 'POST', path: '/conversations', token: user.token, body })
const get = (user: Person, path: string) => h.call<Detail>({ method: 'GET', path, token: user.token })
const say = (user: Person, conversationId: string, body: string) =>
  h.call({
    method: 'POST',
    path: `/conversations/${conversationId}/messages`,
    token: user.token,
    body: { clientMsgId: randomUUID(), body },
  })

async function friends(count: number) {
  const owner = await person()
  const others = await Promise.all(Array.from({ length: count }, () => person()))
  for (const other of others) await befriend(owner, other)
  return { owner, others }
}

describe('direct conversations', () => {
  it('opens one per pair of friends, idempotently, whichever of the two asks', async () => {
    const { owner: alice, others } = await friends(1)
    const bob = others[0] as Person
    const first = await start(alice, { type: 'direct', userId: bob.id })
    const again = await start(alice, { type: 'direct', userId: bob.id })
    const fromBob = await start(bob, { type: 'direct', userId: alice.id.toUpperCase() })
    expect([first.status, again.status, fromBob.status]).toEqual([201, 200, 200])
    expect(new Set([first.body.id, again.body.id, fromBob.body.id])).toEqual(
      new Set([directConversationId(alice.id, bob.id)]),
    )
    expect(first.body).toMatchObject({ type: 'direct', name: null, role: 'member', peer: { id: bob.id } })
    expect(first.body.members.map((m) => m.id).sort()).toEqual([alice.id, bob.id].sort())
  })

  it('refuses a stranger, someone blocked, and oneself, creating nothing', async () => {
    const alice = await person()
    const [stranger, blocked] = [await person(), await person()]
    await befriend(alice, blocked)
    const sql = await postgresClient()
    await sql`insert into blocks (blocker_id, blocked_id) values (${blocked.id}, ${alice.id})`
    expect((await start(alice, { type: 'direct', userId: stranger.id })).status).toBe(403)
    expect((await start(alice, { type: 'direct', userId: blocked.id })).status).toBe(403)
    expect((await start(alice, { type: 'direct', userId: randomUUID() })).status).toBe(403)
    expect((await start(alice, { type: 'direct', userId: alice.id })).status).toBe(400)
    const rows = await sql`select 1 from conversation_members where user_id = ${alice.id}`
    expect(rows).toHaveLength(0)
  })
})

describe('groups', () => {
  it('makes the creator owner and the named friends members', async () => {
    const { owner, others } = await friends(2)
    const group = await start(owner, { type: 'group', name: '  Hikers ', memberIds: others.map((o) => o.id) })
    expect(group.status).toBe(201)
    expect(group.body).toMatchObject({ type: 'group', name: 'Hikers', role: 'owner', peer: null })
    expect(Object.fromEntries(group.body.members.map((m) => [m.id, m.role]))).toEqual({
      [owner.id]: 'owner',
      [others[0]?.id as string]: 'member',
      [others[1]?.id as string]: 'member',
    })
  })

  it('refuses members who are not the creator’s friends, and bad input, creating nothing', async () => {
    const { owner, others } = await friends(1)
    const stranger = await person()
    const refused = await start(owner, {
      type: 'group',
      name: 'Mixed',
      memberIds: [others[0]?.id, stranger.id],
    })
    expect(refused.status).toBe(403)
    expect((await start(owner, { type: 'group', name: '', memberIds: [] })).status).toBe(400)
    expect(
      (await start(owner, { type: 'group', name: 'x', memberIds: [stranger.id, stranger.id] })).status,
    ).toBe(400)
    expect((await start(owner, { type: 'group', name: 'x', owner: stranger.id })).status).toBe(400)
    const list = await h.call<{ items: unknown[] }>({
      method: 'GET',
      path: '/conversations',
      token: owner.token,
    })
    expect(list.body.items).toEqual([])
  })

  it('lets the owner and admins add friends, only the owner name admins, and plain members neither', async () => {
    const { owner, others } = await friends(4)
    const [admin, member, later, other] = others as [Person, Person, Person, Person]
    await befriend(admin, later)
    const group = await start(owner, { type: 'group', name: 'Roles', memberIds: [member.id] })
    const add = (actor: Person, body: Record<string, unknown>) =>
      h.call<Detail>({
        method: 'POST',
        path: `/conversations/${group.body.id}/members`,
        token: actor.token,
        body,
      })

    expect((await add(owner, { userIds: [admin.id], role: 'admin' })).status).toBe(200)
    expect((await add(member, { userIds: [other.id] })).status).toBe(403)
    expect((await add(admin, { userIds: [other.id], role: 'admin' })).status).toBe(403)
    // `other` is the owner's friend, not the admin's: an admin adds only their own friends.
    expect((await add(admin, { userIds: [other.id] })).status).toBe(403)
    const added = await add(admin, { userIds: [later.id] })
    expect(added.status).toBe(200)
    expect(Object.fromEntries(added.body.members.map((m) => [m.id, m.role]))).toMatchObject({
      [admin.id]: 'admin',
      [later.id]: 'member',
    })
    expect((await add(owner, { userIds: [member.id] })).status).toBe(200)
    expect((await add(other, { userIds: [other.id] })).status).toBe(404)
  })

  it('lets members leave and the owner and admins remove by rank; the owner cannot leave; removed means not found', async () => {
    const { owner, others } = await friends(4)
    const [admin, second, member, leaver] = others as [Person, Person, Person, Person]
    const group = await start(owner, {
      type: 'group',
      name: 'Exits',
      memberIds: [admin.id, second.id, member.id, leaver.id],
    })
    const id = group.body.id
    await h.call({
      method: 'POST',
      path: `/conversations/${id}/members`,
      token: owner.token,
      body: { userIds: [admin.id, second.id], role: 'admin' },
    })
    const remove = (actor: Person, target: Person) =>
      h.call({ method: 'DELETE', path: `/conversations/${id}/members/${target.id}`, token: actor.token })

    expect((await remove(member, admin)).status).toBe(403)
    expect((await remove(admin, second)).status).toBe(403)
    expect((await remove(admin, owner)).status).toBe(403)
    expect((await remove(owner, owner)).status).toBe(409)
    expect((await remove(leaver, leaver)).status).toBe(204)
    expect((await remove(admin, member)).status).toBe(204)
    expect((await remove(owner, second)).status).toBe(204)
    expect((await remove(owner, member)).status).toBe(404)

    expect((await get(member, `/conversations/${id}`)).status).toBe(404)
    expect((await get(member, `/conversations/${id}/messages`)).status).toBe(404)
    expect((await say(member, id, 'still here?')).status).toBe(404)
    expect((await get(owner, `/conversations/${id}`)).body.members).toHaveLength(2)
  })

  it('has no member changes in a direct conversation', async () => {
    const { owner, others } = await friends(2)
    const direct = await start(owner, { type: 'direct', userId: others[0]?.id })
    const response = await h.call({
      method: 'POST',
      path: `/conversations/${direct.body.id}/members`,
      token: owner.token,
      body: { userIds: [others[1]?.id] },
    })
    expect(response.status).toBe(409)
  })
})

describe('GET /conversations', () => {
  it('lists the caller’s conversations most recent first, with last message and unread count, page by page', async () => {
    const { owner: alice, others } = await friends(3)
    const [bob, carol, dave] = others as [Person, Person, Person]
    const withBob = (await start(alice, { type: 'direct', userId: bob.id })).body.id
    const withCarol = (await start(alice, { type: 'direct', userId: carol.id })).body.id
    const group = (await start(alice, { type: 'group', name: 'All', memberIds: [bob.id, carol.id, dave.id] }))
      .body.id
    await say(bob, withBob, 'one')
    await say(bob, withBob, 'two')
    await say(alice, group, 'mine')
    await say(carol, withCarol, 'latest')

    const first = await h.call<{ items: Detail[]; nextCursor: string }>({
      method: 'GET',
      path: '/conversations?limit=2',
      token: alice.token,
    })
    expect(first.status).toBe(200)
    expect(first.body.items.map((c) => [c.id, c.unreadCount, c.lastMessage?.body])).toEqual([
      [withCarol, 1, 'latest'],
      [group, 0, 'mine'],
    ])
    const second = await h.call<{ items: Detail[]; nextCursor: string | null }>({
      method: 'GET',
      path: `/conversations?limit=2&cursor=${first.body.nextCursor}`,
      token: alice.token,
    })
    expect(second.body.items.map((c) => [c.id, c.unreadCount, c.lastSeq, c.lastMessage?.body])).toEqual([
      [withBob, 2, 2, 'two'],
    ])
    expect(second.body.nextCursor).toBeNull()

    const forDave = await h.call<{ items: Detail[] }>({
      method: 'GET',
      path: '/conversations',
      token: dave.token,
    })
    expect(forDave.body.items.map((c) => [c.id, c.unreadCount])).toEqual([[group, 1]])
  })

  it('shows the newest stored message when the last seqs were taken but never stored', async () => {
    const { owner: alice, others } = await friends(1)
    const bob = others[0] as Person
    const id = (await start(alice, { type: 'direct', userId: bob.id })).body.id
    await say(bob, id, 'stored')
    await (await postgresClient())`update conversations set last_seq = last_seq + 2 where id = ${id}`
    const detail = await get(alice, `/conversations/${id}`)
    expect(detail.body).toMatchObject({ lastSeq: 3, unreadCount: 3, lastMessage: { body: 'stored' } })
  })

  it('refuses a cursor it did not issue', async () => {
    const alice = await person()
    const response = await get(alice, '/conversations?cursor=bm9wZQ')
    expect(response.status).toBe(400)
    // Well-formed but no real time: a 400 naming the cursor, not a 500 from PostgreSQL.
    const forged = Buffer.from(
      JSON.stringify({ at: '2026-02-30 00:00:00+00', id: '00000000-0000-4000-8000-000000000000' }),
    ).toString('base64url')
    const impossible = await get(alice, `/conversations?cursor=${forged}`)
    expect(impossible.status).toBe(400)
    expect(JSON.stringify(impossible.body)).toContain('query.cursor')
  })
})

describe('GET /conversations/{id}', () => {
  it('answers 404 to anyone outside, and for an id that does not exist', async () => {
    const { owner, others } = await friends(1)
    const direct = await start(owner, { type: 'direct', userId: others[0]?.id })
    const outsider = await person()
    expect((await get(outsider, `/conversations/${direct.body.id}`)).status).toBe(404)
    expect((await get(owner, `/conversations/${randomUUID()}`)).status).toBe(404)
    expect((await get(owner, '/conversations/not-a-uuid')).status).toBe(400)
    expect((await get(owner, `/conversations/${direct.body.id}`)).status).toBe(200)
  })
})
