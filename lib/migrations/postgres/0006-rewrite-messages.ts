// Messages stored before migration 6 move under `<conversationId>:<seq>` ids, and their keys and attachments into PostgreSQL.
import type { AnyBulkWriteOperation, Collection, Db, ObjectId } from 'mongodb'
import type { TransactionSql } from 'postgres'

/*
 * Rewritten rather than read both ways: a read path that also looked for the old random ids would need a query by
 * conversationId and seq, which the local MongoDB stand-in answers only by scanning the whole collection.
 * Safe to interrupt and run again: a copy already made is a duplicate `_id`, an original already gone is not found,
 * and the PostgreSQL rows are inserted only where missing (and roll back with this migration's transaction).
 */

interface StoredMessage {
  _id: string | ObjectId
  conversationId?: unknown
  seq?: unknown
  senderId?: unknown
  clientMsgId?: unknown
  attachments?: unknown
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const batchSize = 500

const isDuplicateKey = (error: unknown) =>
  typeof error === 'object' &&
  error !== null &&
  (('code' in error && error.code === 11000) ||
    ('writeErrors' in error &&
      Array.isArray(error.writeErrors) &&
      error.writeErrors.every((write: { code?: number }) => write.code === 11000)))

async function dropIndexIfPresent(messages: Collection<StoredMessage>, name: string): Promise<void> {
  try {
    await messages.dropIndex(name)
  } catch (error) {
    const { codeName } = error as { codeName?: string }
    if (codeName !== 'IndexNotFound' && codeName !== 'NamespaceNotFound') throw error
  }
}

async function moveBatch(
  sql: TransactionSql,
  messages: Collection<StoredMessage>,
  batch: StoredMessage[],
): Promise<void> {
  const valid = batch.flatMap((doc) => {
    const { conversationId, seq, senderId, clientMsgId } = doc
    if (typeof conversationId !== 'string' || !uuid.test(conversationId)) return []
    if (typeof seq !== 'number' || !Number.isInteger(seq) || seq < 1) return []
    if (typeof senderId !== 'string' || !uuid.test(senderId) || typeof clientMsgId !== 'string') return []
    return [{ doc, conversationId, seq, senderId, clientMsgId, id: `${conversationId}:${seq}` }]
  })
  if (valid.length === 0) return
  await sql`
    insert into message_keys (conversation_id, sender_id, client_msg_id, seq)
    select k.conversation_id, k.sender_id, k.client_msg_id, k.seq
    from unnest(${valid.map((m) => m.conversationId)}::uuid[], ${valid.map((m) => m.senderId)}::uuid[],
                ${valid.map((m) => m.clientMsgId)}::text[], ${valid.map((m) => m.seq)}::bigint[])
         as k (conversation_id, sender_id, client_msg_id, seq)
    join conversations c on c.id = k.conversation_id
    join users u on u.id = k.sender_id
    on conflict do nothing`
  const attached = valid.flatMap((m) =>
    Array.isArray(m.doc.attachments)
      ? m.doc.attachments.flatMap((attachment: { key?: unknown }) =>
          typeof attachment?.key === 'string'
            ? [{ key: attachment.key, conversationId: m.conversationId }]
            : [],
        )
      : [],
  )
  if (attached.length > 0) {
    await sql`
      insert into message_attachments (upload_key, conversation_id)
      select a.upload_key, a.conversation_id
      from unnest(${attached.map((a) => a.key)}::text[], ${attached.map((a) => a.conversationId)}::uuid[])
           as a (upload_key, conversation_id)
      join conversations c on c.id = a.conversation_id
      on conflict do nothing`
  }

  const moving = valid.filter((m) => m.doc._id !== m.id)
  if (moving.length === 0) return
  try {
    await messages.insertMany(
      moving.map((m) => ({ ...m.doc, _id: m.id })),
      { ordered: false },
    )
  } catch (error) {
    if (!isDuplicateKey(error)) throw error
  }
  // One delete statement per original, each by `_id` alone: the only filter the local stand-in does not scan for.
  const deletes: AnyBulkWriteOperation<StoredMessage>[] = moving.map((m) => ({
    deleteOne: { filter: { _id: m.doc._id } },
  }))
  await messages.bulkWrite(deletes, { ordered: false })
}

export async function rewriteMessages(sql: TransactionSql, db: Db): Promise<void> {
  const messages = db.collection<StoredMessage>('messages')
  // These unique indexes would refuse a copy while its original is still there; the `_id` and message_keys now
  // hold their rules, and the download check reads message_attachments.
  for (const name of ['conversation_seq', 'conversation_sender_client_msg', 'attachment_key'])
    await dropIndexIfPresent(messages, name)
  let batch: StoredMessage[] = []
  for await (const doc of messages.find({}).batchSize(batchSize)) {
    batch.push(doc)
    if (batch.length === batchSize) {
      await moveBatch(sql, messages, batch)
      batch = []
    }
  }
  await moveBatch(sql, messages, batch)
}
