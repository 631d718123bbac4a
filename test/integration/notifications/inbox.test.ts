// GET /notifications and POST /notifications/read: newest first with a cursor, an unread count, only one's own.
import type { Db } from 'mongodb'
import { beforeAll, describe, expect, it } from 'vitest'
import type { InboxPage } from '../../../lib/notifications/inbox.ts'
import { recordNotification } from '../../../lib/notifications/inbox.ts'
import { jobIdOf, type NotificationJob, type NotificationJobInput } from '../../../lib/notifications/jobs.ts'
import { mongoDb } from '../../../lib/stores/mongo.ts'
import { type Call, filesApi, type Person, person } from '../uploads/api.ts'
import { friendRequestJob, messageJob } from './queues.ts'

let call: Call
let db: Db

beforeAll(async () => {
  call = filesApi()
  db = await mongoDb()
})

/** `count` entries for `who`, one second apart, the last the newest; answers their ids newest first. */
async function fill(who: Person, count: number): Promise<string[]> {
  const start = Date.now() - count * 1000
  const ids: string[] = []
  for (let index = 0; index < count; index++) {
    const input: NotificationJobInput = {
      ...(index % 2 ? friendRequestJob(who.id) : messageJob(who.id, index + 1)),
      at: new Date(start + index * 1000).toISOString(),
    }
    const { notification } = await recordNotification(db, {
      ...input,
      jobId: jobIdOf(input),
    } as NotificationJob)
    ids.unshift(notification?.id ?? '')
  }
  return ids
}

const inbox = (who: Person, query = '') =>
  call<InboxPage>({ method: 'GET', path: `/notifications${query}`, token: who.token })
const markRead = (who: Person, body: unknown) =>
  call<{ updated: number; unreadCount: number }>({
    method: 'POST',
    path: '/notifications/read',
    token: who.token,
    body,
  })

describe('GET /notifications', () => {
  it('pages through the inbox newest first, with the unread count on every page', async () => {
    const bea = await person(call, 'inbox')
    const ids = await fill(bea, 25)
    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const page: Awaited<ReturnType<typeof inbox>> = await inbox(
        bea,
        `?limit=10${cursor ? `&cursor=${cursor}` : ''}`,
      )
      expect(page.status).toBe(200)
      expect(page.body.unreadCount).toBe(25)
      seen.push(...page.body.items.map((item) => item.id))
      cursor = page.body.nextCursor
      pages++
    } while (cursor)
    expect(pages).toBe(3)
    expect(seen).toEqual(ids)
  })

  it('shows each entry with its kind and fields, never its job id or owner', async () => {
    const cal = await person(call, 'shape')
    await fill(cal, 2)
    const { body } = await inbox(cal)
    expect(body.items[0]).toEqual({
      id: expect.any(String),
      kind: 'friend.request',
      from: { id: expect.any(String), username: 'ada_lovelace', displayName: 'Ada Lovelace' },
      createdAt: expect.any(String),
      readAt: null,
    })
    expect(body.items[1]).toMatchObject({ kind: 'message.new', seq: 1, preview: 'message 1' })
    expect(body.items[1]).not.toHaveProperty('jobId')
    expect(body.items[1]).not.toHaveProperty('userId')
  })

  it('answers 400 for a cursor it did not make and a limit out of range, 401 without a token', async () => {
    const dee = await person(call, 'cursor')
    expect((await inbox(dee, '?cursor=bm90LWEtY3Vyc29y')).status).toBe(400)
    expect((await inbox(dee, '?limit=101')).status).toBe(400)
    expect((await inbox(dee, '?limit=0')).status).toBe(400)
    expect((await call({ method: 'GET', path: '/notifications' })).status).toBe(401)
  })
})

describe('POST /notifications/read', () => {
  it("marks the given entries read, and leaves another user's untouched", async () => {
    const [eve, fay] = await Promise.all([person(call, 'reader'), person(call, 'other')])
    const [newest, second, third] = await fill(eve, 3)
    const [faysOwn] = await fill(fay, 1)

    const marked = await markRead(eve, { ids: [newest, second, faysOwn] })
    expect(marked.status).toBe(200)
    expect(marked.body).toEqual({ updated: 2, unreadCount: 1 })
    expect((await inbox(fay)).body.unreadCount).toBe(1)

    const { body } = await inbox(eve)
    expect(body.items.filter((item) => item.readAt !== null).map((item) => item.id)).toEqual([newest, second])
    expect(body.items.find((item) => item.id === third)?.readAt).toBeNull()
    expect((await markRead(eve, { ids: [newest] })).body).toEqual({ updated: 0, unreadCount: 1 })
  })

  it('marks everything read with {all: true}', async () => {
    const gus = await person(call, 'all')
    await fill(gus, 4)
    expect((await markRead(gus, { all: true })).body).toEqual({ updated: 4, unreadCount: 0 })
  })

  it.for([
    ['no ids', { ids: [] }],
    ['an id that is not one', { ids: ['nope'] }],
    ['an operator for an id', { ids: [{ $ne: null }] }],
    ['all: false', { all: false }],
    ['both forms at once', { ids: ['0123456789abcdef01234567'], all: true }],
  ] as const)('answers 400 for %s', async ([, body], { expect }) => {
    const hal = await person(call, 'bad')
    expect((await markRead(hal, body)).status).toBe(400)
  })
})
