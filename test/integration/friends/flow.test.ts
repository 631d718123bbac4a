import type { Db } from 'mongodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuditDocument } from '../../../lib/audit/log.ts'
import { collections } from '../../../lib/migrations/mongo.ts'
import { closeMongo, mongoDb } from '../../../lib/stores/mongo.ts'
import { closePostgres, postgresClient } from '../../../lib/stores/postgres.ts'
import { type Call, friendRoutes, friendsApi, type Person, people, userEvents } from './api.ts'

let call: Call
let db: Db
let friends: ReturnType<typeof friendRoutes>

beforeAll(async () => {
  call = friendsApi()
  friends = friendRoutes(call)
  db = await mongoDb()
})
afterAll(async () => {
  await Promise.all([closePostgres(), closeMongo()])
})

const ids = (page: { items: { user: { id: string } }[] }) => page.items.map((item) => item.user.id)

const pairRows = async (a: Person, b: Person) => {
  const sql = await postgresClient()
  const [low, high] = a.id < b.id ? [a.id, b.id] : [b.id, a.id]
  return sql`select status, requested_by from friendships where user_low = ${low} and user_high = ${high}`
}

describe('a friend request, answered', () => {
  it('A asks B; B sees it incoming, A outgoing; B accepts; each sees the other among friends', async () => {
    const [a, b] = (await people(call, 2)) as [Person, Person]
    const sent = await friends.request(a, b.id)
    expect(sent.status).toBe(201)
    expect(sent.body).toMatchObject({
      user: { id: b.id, username: b.username },
      status: 'pending',
      direction: 'outgoing',
    })
    expect(sent.body.user).not.toHaveProperty('email')

    const incoming = await friends.requests(b, 'incoming')
    expect(incoming.status).toBe(200)
    expect(incoming.body.items).toEqual([
      expect.objectContaining({ user: expect.objectContaining({ id: a.id }), direction: 'incoming' }),
    ])
    expect(ids((await friends.requests(a, 'outgoing')).body)).toEqual([b.id])
    expect(ids((await friends.requests(a, 'incoming')).body)).toEqual([])
    expect(ids((await friends.friends(a)).body)).toEqual([])

    const accepted = await friends.accept(b, a.id)
    expect(accepted.status).toBe(200)
    expect(accepted.body).toMatchObject({ user: { id: a.id }, status: 'accepted', direction: 'incoming' })
    expect(accepted.body.acceptedAt).toEqual(expect.any(String))

    const ofA = await friends.friends(a)
    expect(ofA.body).toEqual({
      items: [expect.objectContaining({ user: expect.objectContaining({ id: b.id }), status: 'accepted' })],
      nextCursor: null,
    })
    expect(ids((await friends.friends(b)).body)).toEqual([a.id])
    expect(ids((await friends.requests(b, 'incoming')).body)).toEqual([])
    expect(await pairRows(a, b)).toEqual([{ status: 'accepted', requested_by: a.id }])
  })

  it('emits friend.request to the one asked and friend.accepted to the one who asked, once each', async () => {
    const [a, b] = (await people(call, 2)) as [Person, Person]
    await friends.request(a, b.id)
    await friends.request(a, b.id)
    await friends.accept(b, a.id)
    await friends.accept(b, a.id)
    expect(await userEvents(db, b.id)).toEqual([
      expect.objectContaining({
        type: 'friend.request',
        userId: b.id,
        from: { id: a.id, username: a.username, displayName: a.username },
      }),
    ])
    expect(await userEvents(db, a.id)).toEqual([
      expect.objectContaining({
        type: 'friend.accepted',
        userId: a.id,
        from: expect.objectContaining({ id: b.id }),
      }),
    ])
  })

  it('answers a repeated request with the pending one (200), and a request between friends with 409', async () => {
    const [a, b] = (await people(call, 2)) as [Person, Person]
    expect((await friends.request(a, b.id)).status).toBe(201)
    const again = await friends.request(a, b.id)
    expect(again.status).toBe(200)
    expect(again.body.status).toBe('pending')
    await friends.accept(b, a.id)
    const between = await friends.request(b, a.id)
    expect(between.status).toBe(409)
    expect(between.headers['content-type']).toBe('application/problem+json')
    expect(between.body).toMatchObject({ code: 'conflict', detail: expect.stringMatching(/already friends/) })
  })

  it('turns a request that meets the other’s pending request into the friendship', async () => {
    const [a, b] = (await people(call, 2)) as [Person, Person]
    await friends.request(a, b.id)
    const back = await friends.request(b, a.id)
    expect(back.status).toBe(200)
    expect(back.body).toMatchObject({ status: 'accepted', direction: 'incoming' })
    expect(await pairRows(a, b)).toEqual([{ status: 'accepted', requested_by: a.id }])
    expect(await userEvents(db, a.id)).toEqual([expect.objectContaining({ type: 'friend.accepted' })])
  })

  it('declines, cancels and unfriends, each leaving no row behind', async () => {
    const [a, b, c, d] = (await people(call, 4)) as [Person, Person, Person, Person]
    await friends.request(a, b.id)
    expect((await friends.decline(a, b.id)).status).toBe(404)
    expect((await friends.decline(b, a.id)).status).toBe(204)
    expect(await pairRows(a, b)).toEqual([])

    await friends.request(a, c.id)
    expect((await friends.remove(c, a.id)).body.detail).toMatch(/decline it instead/)
    expect((await friends.remove(a, c.id)).status).toBe(204)
    expect(await pairRows(a, c)).toEqual([])
    expect((await friends.accept(c, a.id)).status).toBe(404)

    await friends.request(a, d.id)
    await friends.accept(d, a.id)
    expect((await friends.remove(d, a.id)).status).toBe(204)
    expect(await pairRows(a, d)).toEqual([])
    expect((await friends.remove(d, a.id)).status).toBe(404)
    expect(ids((await friends.friends(a)).body)).toEqual([])
  })

  it('accepts an upper-case id as the same user', async () => {
    const [a, b] = (await people(call, 2)) as [Person, Person]
    expect((await friends.request(a, b.id.toUpperCase())).status).toBe(201)
    expect((await friends.accept(b, a.id.toUpperCase())).status).toBe(200)
    expect((await friends.request(a, a.id.toUpperCase())).status).toBe(400)
  })
})

describe('the lists', () => {
  it('page through friends newest first, with a cursor and no repeats', async () => {
    const [me, ...others] = (await people(call, 6)) as [Person, ...Person[]]
    for (const other of others) {
      await friends.request(other, me.id)
      await friends.accept(me, other.id)
    }
    const seen: string[] = []
    let cursor: string | null = ''
    let pages = 0
    while (cursor !== null) {
      const query: string = `?limit=2${cursor ? `&cursor=${cursor}` : ''}`
      const page = await friends.friends(me, query)
      expect(page.status).toBe(200)
      seen.push(...ids(page.body))
      cursor = page.body.nextCursor
      pages++
    }
    expect(pages).toBe(3)
    expect(seen).toEqual(others.map((other) => other.id).reverse())
  })

  it('leave out disabled users, and refuse a forged cursor', async () => {
    const [me, gone] = (await people(call, 2)) as [Person, Person]
    await friends.request(gone, me.id)
    const sql = await postgresClient()
    await sql`update users set status = 'disabled' where id = ${gone.id}`
    expect((await friends.requests(me, 'incoming')).body.items).toEqual([])
    const forged = await friends.friends(me, '?cursor=bm90LWEtY3Vyc29y')
    expect(forged.status).toBe(400)
    expect(forged.body).toMatchObject({ code: 'invalid_request' })
  })
})

describe('the audit log', () => {
  it('records every change with who, whom and the request', async () => {
    const [a, b, c] = (await people(call, 3)) as [Person, Person, Person]
    await friends.request(a, b.id)
    await friends.accept(b, a.id)
    await friends.remove(a, b.id)
    await friends.request(a, c.id)
    await friends.remove(a, c.id)
    await friends.request(c, a.id)
    await friends.decline(a, c.id)
    await friends.block(a, b.id)
    await friends.unblock(a, b.id)
    const entries = await db
      .collection<AuditDocument>(collections.auditLog)
      .find({ actorId: { $in: [a.id, b.id, c.id] }, action: { $regex: '^friend\\.' } })
      .sort({ at: 1 })
      .toArray()
    expect(entries.map((entry) => [entry.action, entry.actorId, entry.targetId])).toEqual([
      ['friend.request', a.id, b.id],
      ['friend.accept', b.id, a.id],
      ['friend.unfriend', a.id, b.id],
      ['friend.request', a.id, c.id],
      ['friend.cancel', a.id, c.id],
      ['friend.request', c.id, a.id],
      ['friend.decline', a.id, c.id],
      ['friend.block', a.id, b.id],
      ['friend.unblock', a.id, b.id],
    ])
    for (const entry of entries) {
      expect(entry).toMatchObject({
        outcome: 'success',
        requestId: expect.any(String),
        ip: expect.any(String),
      })
    }
  })
})
