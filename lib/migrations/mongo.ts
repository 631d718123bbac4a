// MongoDB collections and their indexes, declared once and ensured idempotently.
import type { CreateIndexesOptions, Db, IndexSpecification } from 'mongodb'

export const collections = {
  messages: 'messages',
  notifications: 'notifications',
  auditLog: 'audit_log',
} as const

export interface IndexDeclaration {
  collection: string
  key: IndexSpecification
  options: CreateIndexesOptions & { name: string }
}

const days = 24 * 60 * 60

export const mongoIndexes: readonly IndexDeclaration[] = [
  // Messages need no index but `_id`: each is stored and read under `<conversationId>:<seq>` (migration 6).
  {
    collection: collections.notifications,
    key: { userId: 1, createdAt: -1, _id: -1 },
    options: { name: 'user_newest' },
  },
  // The inbox's unread count, on every page and after every mark-read.
  {
    collection: collections.notifications,
    key: { userId: 1, readAt: 1 },
    options: { name: 'user_unread' },
  },
  // Notification jobs are delivered at least once; their job id makes a redelivery a no-op.
  { collection: collections.notifications, key: { jobId: 1 }, options: { name: 'job_id', unique: true } },
  { collection: collections.auditLog, key: { at: -1 }, options: { name: 'at' } },
  { collection: collections.auditLog, key: { actorId: 1, at: -1 }, options: { name: 'actor_at' } },
  { collection: collections.auditLog, key: { action: 1, at: -1 }, options: { name: 'action_at' } },
  // Retention: not every MongoDB-compatible server implements TTL indexes; see ensureMongoIndexes.
  {
    collection: collections.auditLog,
    key: { expireAt: 1 },
    options: { name: 'retention', expireAfterSeconds: 0, sparse: true },
  },
  {
    collection: collections.notifications,
    key: { expireAt: 1 },
    options: { name: 'retention', expireAfterSeconds: 0 },
  },
]

export const auditRetentionSeconds = 400 * days

export interface IndexReport {
  created: string[]
  unsupported: { index: string; reason: string }[]
}

function isNotImplemented(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  const { code, codeName } = error as { code?: unknown; codeName?: unknown }
  return code === 238 || codeName === 'NotImplemented' || code === 115 || codeName === 'CommandNotSupported'
}

/**
 * Creates every declared index; createIndex is idempotent for an identical declaration, so
 * running twice, or in two processes at once, changes nothing. An index the server cannot build
 * (FerretDB 1.24 has no TTL indexes) is reported, not fatal: nothing on the hot path relies on it.
 */
export async function ensureMongoIndexes(
  db: Db,
  indexes: readonly IndexDeclaration[] = mongoIndexes,
): Promise<IndexReport> {
  const report: IndexReport = { created: [], unsupported: [] }
  for (const index of indexes) {
    const label = `${index.collection}.${index.options.name}`
    try {
      await db.collection(index.collection).createIndex(index.key, index.options)
      report.created.push(label)
    } catch (error) {
      if (!isNotImplemented(error)) throw error
      report.unsupported.push({
        index: label,
        reason: error instanceof Error ? error.message : String(error),
      })
    }
  }
  return report
}
