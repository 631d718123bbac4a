// The notification inbox in MongoDB: written once per job, listed newest first, marked read.
import { type Db, type Filter, ObjectId } from 'mongodb'
import { InvalidError } from '../errors.ts'
import { collections } from '../migrations/mongo.ts'
import type { InboxQuery, NotificationsRead as ReadRequest } from '../protocol/http/files.ts'
import type { NotificationJob } from './jobs.ts'

type Payload<T> = T extends unknown ? Omit<T, 'jobId' | 'userId' | 'at'> : never

export type NotificationDocument = Payload<NotificationJob> & {
  _id: ObjectId
  jobId: string
  userId: string
  createdAt: Date
  readAt: Date | null
  /** Read by the collection's TTL index where the server has one. */
  expireAt: Date
}

export type NotificationView = Payload<NotificationJob> & {
  id: string
  createdAt: string
  readAt: string | null
}

export const notificationRetentionDays = 90

const inbox = (db: Db) => db.collection<NotificationDocument>(collections.notifications)

export function notificationView(doc: NotificationDocument): NotificationView {
  const { _id, jobId: _job, userId: _user, expireAt: _expire, createdAt, readAt, ...payload } = doc
  return {
    ...payload,
    id: _id.toHexString(),
    createdAt: createdAt.toISOString(),
    readAt: readAt?.toISOString() ?? null,
  }
}

const duplicateKey = (error: unknown) =>
  typeof error === 'object' && error !== null && 'code' in error && error.code === 11000

/**
 * Writes the job's entry. The unique index on jobId makes a redelivered job a no-op: `created` is false and
 * nothing changes.
 */
export async function recordNotification(
  db: Db,
  job: NotificationJob,
): Promise<{ created: boolean; notification?: NotificationView }> {
  const { jobId, userId, at, ...payload } = job
  const createdAt = new Date(at)
  const doc: NotificationDocument = {
    ...payload,
    _id: new ObjectId(),
    jobId,
    userId,
    createdAt,
    readAt: null,
    expireAt: new Date(createdAt.getTime() + notificationRetentionDays * 24 * 60 * 60 * 1000),
  }
  try {
    await inbox(db).insertOne(doc)
  } catch (error) {
    if (duplicateKey(error)) return { created: false }
    throw error
  }
  return { created: true, notification: notificationView(doc) }
}

const cursorOf = (doc: NotificationDocument) =>
  Buffer.from(`${doc.createdAt.getTime()}.${doc._id.toHexString()}`).toString('base64url')

function afterCursor(cursor: string): Filter<NotificationDocument> {
  const match = /^(\d{1,16})\.([0-9a-f]{24})$/.exec(Buffer.from(cursor, 'base64url').toString())
  if (!match) throw new InvalidError('Invalid request: query.cursor: is not a cursor from this list.')
  const createdAt = new Date(Number(match[1]))
  const id = new ObjectId(match[2])
  return { $or: [{ createdAt: { $lt: createdAt } }, { createdAt, _id: { $lt: id } }] }
}

export interface InboxPage {
  items: NotificationView[]
  nextCursor: string | null
  unreadCount: number
}

export async function listNotifications(db: Db, userId: string, query: InboxQuery): Promise<InboxPage> {
  const filter: Filter<NotificationDocument> = query.cursor
    ? { userId, ...afterCursor(query.cursor) }
    : { userId }
  const [docs, unreadCount] = await Promise.all([
    inbox(db)
      .find(filter)
      .sort({ createdAt: -1, _id: -1 })
      .limit(query.limit + 1)
      .toArray(),
    inbox(db).countDocuments({ userId, readAt: null }),
  ])
  const page = docs.slice(0, query.limit)
  const last = page.at(-1)
  return {
    items: page.map(notificationView),
    nextCursor: docs.length > query.limit && last ? cursorOf(last) : null,
    unreadCount,
  }
}

/** Marks the given entries (or all) read; others' ids match nothing. Answers how many changed and what is left. */
export async function markNotificationsRead(
  db: Db,
  userId: string,
  request: ReadRequest,
): Promise<{ updated: number; unreadCount: number }> {
  const which: Filter<NotificationDocument> =
    'ids' in request ? { _id: { $in: request.ids.map((id) => new ObjectId(id)) } } : {}
  const { modifiedCount } = await inbox(db).updateMany(
    { ...which, userId, readAt: null },
    { $set: { readAt: new Date() } },
  )
  const unreadCount = await inbox(db).countDocuments({ userId, readAt: null })
  return { updated: modifiedCount, unreadCount }
}
