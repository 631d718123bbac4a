import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closeMongo } from '../../../lib/stores/mongo.ts'
import { closePostgres, postgresClient } from '../../../lib/stores/postgres.ts'
import { type Call, friendRoutes, friendsApi, type Person, people } from './api.ts'

let call: Call
let friends: ReturnType<typeof friendRoutes>

beforeAll(() => {
  call = friendsApi()
  friends = friendRoutes(call)
})
afterAll(async () => {
  await Promise.all([closePostgres(), closeMongo()])
})

const search = async (person: Person, q: string) => {
  const found = await call<{ items: { id: string }[] }>({
    method: 'GET',
    path: `/users?q=${encodeURIComponent(q)}`,
    token: person.token,
  })
  expect(found.status).toBe(200)
  return found.body.items.map((item) => item.id)
}

describe('a block', () => {
  it('hides each public profile from the other, exactly as a missing user is hidden', async () => {
    const [a, b] = (await people(call, 2)) as [Person, Person]
    expect((await call({ method: 'GET', path: `/users/${a.id}`, token: b.token })).status).toBe(200)
    await friends.block(a, b.id)
    const missing = await call({ method: 'GET', path: `/users/${randomUUID()}`, token: b.token })
    for (const [viewer, other] of [
      [b, a],
      [a, b],
    ] as const) {
      const profile = await call({ method: 'GET', path: `/users/${other.id}`, token: viewer.token })
      expect(profile.status).toBe(404)
      expect(profile.body).toEqual(missing.body)
    }
  })

  it('ends a friendship and pending requests both ways', async () => {
    const [a, b, c] = (await people(call, 3)) as [Person, Person, Person]
    await friends.request(a, b.id)
    await friends.accept(b, a.id)
    await friends.request(c, a.id)
    expect((await friends.block(a, b.id)).status).toBe(204)
    expect((await friends.block(a, c.id)).status).toBe(204)
    const sql = await postgresClient()
    const rows = await sql`
      select 1 from friendships where ${a.id} in (user_low, user_high)`
    expect(rows).toHaveLength(0)
    expect((await friends.friends(b)).body.items).toEqual([])
    expect((await friends.requests(a, 'incoming')).body.items).toEqual([])
    expect((await friends.requests(c, 'outgoing')).body.items).toEqual([])
    // Blocking again changes nothing and says so the same way.
    expect((await friends.block(a, b.id)).status).toBe(204)
  })

  it('stops requests both ways; the blocked one gets exactly the answer a missing user gets', async () => {
    const [a, b] = (await people(call, 2)) as [Person, Person]
    await friends.block(a, b.id)
    const missing = await friends.request(b, randomUUID())
    const blocked = await friends.request(b, a.id)
    expect(missing.status).toBe(404)
    expect(blocked.status).toBe(missing.status)
    expect(blocked.body).toEqual(missing.body)
    expect(blocked.headers['content-type']).toBe(missing.headers['content-type'])
    // The blocker is told why, which reveals nothing they do not know.
    const blocker = await friends.request(a, b.id)
    expect(blocker.status).toBe(409)
    expect(blocker.body.detail).toMatch(/unblock/)
  })

  it('hides each from the other’s search, until lifted', async () => {
    const [a, b] = (await people(call, 2, 'hide')) as [Person, Person]
    expect(await search(a, b.username)).toContain(b.id)
    await friends.block(a, b.id)
    expect(await search(a, b.username)).not.toContain(b.id)
    expect(await search(b, a.username)).not.toContain(a.id)
    expect((await friends.unblock(a, b.id)).status).toBe(204)
    expect(await search(a, b.username)).toContain(b.id)
    expect(await search(b, a.username)).toContain(a.id)
    expect((await friends.request(b, a.id)).status).toBe(201)
  })

  it('is lifted only by the one who set it; a block each way needs both lifted', async () => {
    const [a, b] = (await people(call, 2)) as [Person, Person]
    await friends.block(a, b.id)
    expect((await friends.unblock(b, a.id)).status).toBe(404)
    // A caller who blocked first may still be blocked back; the other's block stays hidden from them.
    await postgresClient().then(
      (sql) => sql`insert into blocks (blocker_id, blocked_id) values (${b.id}, ${a.id})`,
    )
    expect((await friends.request(a, b.id)).status).toBe(409)
    await friends.unblock(a, b.id)
    const hidden = await friends.request(a, b.id)
    expect(hidden.status).toBe(404)
    expect(hidden.body).toEqual((await friends.request(a, randomUUID())).body)
  })
})
