// Who may do what to a group and a direct conversation: each route against owner, admin, member, stranger, site admin, blocked.
import { randomUUID } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { directConversationId } from '../../../lib/conversations/direct.ts'
import { postgresClient } from '../../../lib/stores/postgres.ts'
import { befriend, type Harness, harness, type Person, person } from './harness.ts'

type Role = 'owner' | 'admin' | 'member' | 'stranger' | 'siteAdmin'

let h: Harness
const people = {} as Record<Role, Person>
let group: string
/** Added and removed again by the member-route rows, so each row starts from the same group. */
let spare: Person

beforeAll(async () => {
  h = harness()
  for (const role of ['owner', 'admin', 'member', 'stranger', 'siteAdmin'] as Role[])
    people[role] = await person()
  spare = await person()
  const sql = await postgresClient()
  await sql`update users set role = 'admin' where id = ${people.siteAdmin.id}`
  for (const friend of [people.admin, people.member, people.stranger, people.siteAdmin, spare])
    await befriend(people.owner, friend)
  await befriend(people.admin, spare)
  await befriend(people.member, spare)
  const created = await h.call<{ id: string }>({
    method: 'POST',
    path: '/conversations',
    token: people.owner.token,
    body: { type: 'group', name: 'Matrix', memberIds: [people.admin.id, people.member.id] },
  })
  group = created.body.id
  await h.call({
    method: 'POST',
    path: `/conversations/${group}/members`,
    token: people.owner.token,
    body: { userIds: [people.admin.id], role: 'admin' },
  })
})

const routes: [string, (as: Person) => Promise<number>, Record<Role, number>][] = [
  [
    'GET /conversations/{id}',
    async (as) => (await h.call({ method: 'GET', path: `/conversations/${group}`, token: as.token })).status,
    { owner: 200, admin: 200, member: 200, stranger: 404, siteAdmin: 404 },
  ],
  [
    'GET /conversations/{id}/messages',
    async (as) =>
      (await h.call({ method: 'GET', path: `/conversations/${group}/messages`, token: as.token })).status,
    { owner: 200, admin: 200, member: 200, stranger: 404, siteAdmin: 404 },
  ],
  [
    'POST /conversations/{id}/messages',
    async (as) =>
      (
        await h.call({
          method: 'POST',
          path: `/conversations/${group}/messages`,
          token: as.token,
          body: { clientMsgId: randomUUID(), body: 'hi' },
        })
      ).status,
    { owner: 201, admin: 201, member: 201, stranger: 404, siteAdmin: 404 },
  ],
  [
    'POST /conversations/{id}/read',
    async (as) =>
      (
        await h.call({
          method: 'POST',
          path: `/conversations/${group}/read`,
          token: as.token,
          body: { seq: 1 },
        })
      ).status,
    { owner: 200, admin: 200, member: 200, stranger: 404, siteAdmin: 404 },
  ],
  [
    'POST /conversations/{id}/members',
    async (as) => {
      const { status } = await h.call({
        method: 'POST',
        path: `/conversations/${group}/members`,
        token: as.token,
        body: { userIds: [spare.id] },
      })
      await h.call({
        method: 'DELETE',
        path: `/conversations/${group}/members/${spare.id}`,
        token: people.owner.token,
      })
      return status
    },
    { owner: 200, admin: 200, member: 403, stranger: 404, siteAdmin: 404 },
  ],
  [
    'DELETE /conversations/{id}/members/{userId} (a plain member)',
    async (as) => {
      await h.call({
        method: 'POST',
        path: `/conversations/${group}/members`,
        token: people.owner.token,
        body: { userIds: [spare.id] },
      })
      return (
        await h.call({
          method: 'DELETE',
          path: `/conversations/${group}/members/${spare.id}`,
          token: as.token,
        })
      ).status
    },
    { owner: 204, admin: 204, member: 403, stranger: 404, siteAdmin: 404 },
  ],
]

describe.each(routes)('%s', (_, run, expected) => {
  it.each(Object.keys(expected) as Role[])('as %s', async (role) => {
    expect(await run(people[role])).toBe(expected[role])
  })
})

describe('a direct conversation after a block', () => {
  it('still lets both read the past but neither send', async () => {
    const [alice, bob] = [await person(), await person()]
    await befriend(alice, bob)
    const id = directConversationId(alice.id, bob.id)
    await h.call({
      method: 'POST',
      path: '/conversations',
      token: alice.token,
      body: { type: 'direct', userId: bob.id },
    })
    const sql = await postgresClient()
    await sql`insert into blocks (blocker_id, blocked_id) values (${alice.id}, ${bob.id})`
    for (const user of [alice, bob]) {
      expect(
        (await h.call({ method: 'GET', path: `/conversations/${id}/messages`, token: user.token })).status,
      ).toBe(200)
      const send = await h.call({
        method: 'POST',
        path: `/conversations/${id}/messages`,
        token: user.token,
        body: { clientMsgId: randomUUID(), body: 'hello?' },
      })
      expect(send.status).toBe(403)
    }
  })
})
