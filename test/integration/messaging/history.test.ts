// History by seq: newest page first, forward from `after`, the gap between two seen seqs, cursors, members only.
import { randomUUID } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { directConversationId } from '../../../lib/conversations/direct.ts'
import { postgresClient } from '../../../lib/stores/postgres.ts'
import { befriend, type Harness, harness, type Person, person } from './harness.ts'

let h: Harness
let alice: Person
let bob: Person
let conversationId: string

interface Page {
  items: { seq: number; body: string }[]
  nextCursor: string | null
}

beforeAll(async () => {
  h = harness()
  ;[alice, bob] = [await person(), await person()]
  await befriend(alice, bob)
  conversationId = directConversationId(alice.id, bob.id)
  await h.call({
    method: 'POST',
    path: '/conversations',
    token: alice.token,
    body: { type: 'direct', userId: bob.id },
  })
  for (let i = 1; i <= 12; i++) {
    await h.call({
      method: 'POST',
      path: `/conversations/${conversationId}/messages`,
      token: i % 2 ? alice.token : bob.token,
      body: { clientMsgId: randomUUID(), body: `m${i}` },
    })
  }
})

const history = (query: string, user = bob) =>
  h.call<Page>({
    method: 'GET',
    path: `/conversations/${conversationId}/messages${query}`,
    token: user.token,
  })
const seqs = (page: Page) => page.items.map((item) => item.seq)

describe('GET /conversations/{id}/messages', () => {
  it('gives the newest page, oldest first within it, and a cursor to the older ones', async () => {
    const first = await history('?limit=5')
    expect(seqs(first.body)).toEqual([8, 9, 10, 11, 12])
    const second = await history(`?limit=5&cursor=${first.body.nextCursor}`)
    expect(seqs(second.body)).toEqual([3, 4, 5, 6, 7])
    const last = await history(`?limit=5&cursor=${second.body.nextCursor}`)
    expect(seqs(last.body)).toEqual([1, 2])
    expect(last.body.nextCursor).toBeNull()
  })

  it('fills the gap between two seen seqs: after=4&before=7 gives 5 and 6', async () => {
    const gap = await history('?after=4&before=7')
    expect(gap.body.items.map((item) => [item.seq, item.body])).toEqual([
      [5, 'm5'],
      [6, 'm6'],
    ])
    expect(gap.body.nextCursor).toBeNull()
  })

  it('pages forward from `after`, keeping `before`', async () => {
    const first = await history('?after=2&before=10&limit=3')
    expect(seqs(first.body)).toEqual([3, 4, 5])
    const second = await history(`?limit=3&cursor=${first.body.nextCursor}`)
    expect(seqs(second.body)).toEqual([6, 7, 8])
    const third = await history(`?limit=3&cursor=${second.body.nextCursor}`)
    expect(seqs(third.body)).toEqual([9])
    expect(third.body.nextCursor).toBeNull()
  })

  it('answers 404 to anyone outside the conversation', async () => {
    const outsider = await person()
    expect((await history('', outsider)).status).toBe(404)
  })

  it.each([
    ['a cursor with bounds', '?before=3&cursor=eyJiZWZvcmUiOjN9'],
    ['a forged cursor', '?cursor=eyIkZ3QiOjF9'],
    ['a negative bound', '?after=-1'],
    ['a limit over 100', '?limit=101'],
    ['an unknown parameter', '?sort=desc'],
  ])('refuses %s with 400', async (_, query) => {
    expect((await history(query)).status).toBe(400)
  })
})

describe('a seq taken but never stored', () => {
  it('leaves its page one short, and the cursor still leads past it', async () => {
    const [carol, dave] = [await person(), await person()]
    await befriend(carol, dave)
    const id = directConversationId(carol.id, dave.id)
    const say = (body: string) =>
      h.call({
        method: 'POST',
        path: `/conversations/${id}/messages`,
        token: carol.token,
        body: { clientMsgId: randomUUID(), body },
      })
    await h.call({
      method: 'POST',
      path: '/conversations',
      token: carol.token,
      body: { type: 'direct', userId: dave.id },
    })
    for (const body of ['m1', 'm2', 'm3']) await say(body)
    // What a send leaves when its message is never stored: the seq taken, nothing under it.
    await (await postgresClient())`update conversations set last_seq = last_seq + 1 where id = ${id}`
    for (const body of ['m5', 'm6']) await say(body)
    const read = (query: string) =>
      h.call<Page>({ method: 'GET', path: `/conversations/${id}/messages${query}`, token: dave.token })

    const newest = await read('?limit=3')
    expect(newest.body.items.map((item) => [item.seq, item.body])).toEqual([
      [5, 'm5'],
      [6, 'm6'],
    ])
    const older = await read(`?limit=3&cursor=${newest.body.nextCursor}`)
    expect(seqs(older.body)).toEqual([1, 2, 3])
    expect(older.body.nextCursor).toBeNull()
    const forward = await read('?after=2&limit=2')
    expect(seqs(forward.body)).toEqual([3])
    expect(seqs((await read(`?limit=2&cursor=${forward.body.nextCursor}`)).body)).toEqual([5, 6])
  })
})
