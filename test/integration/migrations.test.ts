import { randomBytes, randomUUID } from 'node:crypto'
import { MongoClient } from 'mongodb'
import postgres, { type Sql } from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { messageHistory } from '../../lib/messages/history.ts'
import { storeMessage } from '../../lib/messages/send.ts'
import { ensureMongoIndexes, mongoIndexes } from '../../lib/migrations/mongo.ts'
import { rewriteMessages } from '../../lib/migrations/postgres/0006-rewrite-messages.ts'
import { migratePostgres, postgresMigrations } from '../../lib/migrations/postgres.ts'
import type { Limiter } from '../../lib/rate-limit/limiter.ts'

const serverUrl = () => {
  const url = new URL(process.env.DATABASE_URL as string)
  url.pathname = '/postgres'
  return url.toString()
}
const latest = Math.max(...postgresMigrations.map((migration) => migration.version))

async function freshDatabase(admin: Sql): Promise<{ name: string; url: string }> {
  const name = `chat_migrate_${randomBytes(4).toString('hex')}`
  await admin`create database ${admin(name)}`
  const url = new URL(serverUrl())
  url.pathname = `/${name}`
  return { name, url: url.toString() }
}

describe('postgres migrations', () => {
  let admin: Sql
  let mongo: MongoClient
  const created: string[] = []
  const clients: Sql[] = []
  const connect = (url: string) => {
    const sql = postgres(url, { max: 1, onnotice: () => {} })
    clients.push(sql)
    return sql
  }

  /** The MongoDB database that goes with a fresh PostgreSQL one. */
  const mongoFor = (name: string) => mongo.db(name)

  beforeAll(async () => {
    admin = postgres(serverUrl(), { max: 1, onnotice: () => {} })
    mongo = await new MongoClient(process.env.MONGO_URL as string).connect()
  })
  afterAll(async () => {
    await Promise.all(clients.map((sql) => sql.end()))
    for (const name of created) {
      await admin`drop database if exists ${admin(name)} with (force)`
      await mongoFor(name).dropDatabase()
    }
    await Promise.all([admin.end(), mongo.close()])
  })

  it('applies every migration once and changes nothing when applied again', async () => {
    const database = await freshDatabase(admin)
    created.push(database.name)
    const sql = connect(database.url)

    expect(await migratePostgres(sql, mongoFor(database.name))).toEqual(
      postgresMigrations.map((migration) => migration.version),
    )
    const schemaBefore = await sql`
      select table_name, column_name, data_type from information_schema.columns
      where table_schema = 'public' order by table_name, column_name`
    expect(await migratePostgres(sql, mongoFor(database.name))).toEqual([])
    const schemaAfter = await sql`
      select table_name, column_name, data_type from information_schema.columns
      where table_schema = 'public' order by table_name, column_name`
    expect(schemaAfter).toEqual(schemaBefore)
    const tables = new Set(schemaAfter.map((row) => row.table_name))
    for (const table of ['users', 'roles', 'role_permissions', 'refresh_tokens', 'friendships', 'blocks']) {
      expect(tables).toContain(table)
    }
    expect(tables).toContain('conversations')
    expect(tables).toContain('conversation_members')
  })

  it('applies each migration exactly once when six processes migrate a fresh database at the same time', async () => {
    // Five fresh databases: the first-time race on the catalog shows only now and then.
    for (let round = 0; round < 5; round++) {
      const database = await freshDatabase(admin)
      created.push(database.name)
      const runners = Array.from({ length: 6 }, () => connect(database.url))

      const results = await Promise.all(runners.map((sql) => migratePostgres(sql, mongoFor(database.name))))

      expect(results.flat().sort()).toEqual(postgresMigrations.map((migration) => migration.version).sort())
      const [row] = await connect(database.url)`
        select count(*)::int as count, max(version) as latest from schema_migrations`
      expect(row).toEqual({ count: postgresMigrations.length, latest })
    }
  })

  it('moves messages stored before migration 6 under seq ids, with their retry keys and attachments, and they still read', async () => {
    const database = await freshDatabase(admin)
    created.push(database.name)
    const sql = connect(database.url)
    const db = mongoFor(database.name)
    await migratePostgres(
      sql,
      db,
      postgresMigrations.filter((migration) => migration.version < 6),
    )
    // The collection as the code before migration 6 left it: random ids and the indexes it declared.
    const messages = db.collection<{ _id: string } & Record<string, unknown>>('messages')
    await messages.createIndex({ conversationId: 1, seq: 1 }, { name: 'conversation_seq', unique: true })
    await messages.createIndex(
      { conversationId: 1, senderId: 1, clientMsgId: 1 },
      { name: 'conversation_sender_client_msg', unique: true },
    )
    const [alice, bob] = await sql<{ id: string }[]>`
      insert into users (email, username, display_name, password_hash)
      values ('a@example.com', 'a', 'A', 'x'), ('b@example.com', 'b', 'B', 'x') returning id::text`
    const [low, high] = [alice!.id, bob!.id].sort() as [string, string]
    await sql`insert into friendships (user_low, user_high, status, requested_by) values (${low}, ${high}, 'accepted', ${low})`
    const [conversation] = await sql<{ id: string }[]>`
      insert into conversations (type, direct_key, last_seq) values ('direct', ${`${low}:${high}`}, 3) returning id::text`
    const conversationId = conversation!.id
    await sql`insert into conversation_members (conversation_id, user_id) values (${conversationId}, ${low}), (${conversationId}, ${high})`
    const key = `uploads/${alice!.id}/${randomUUID()}/a.png`
    const legacy = [1, 2, 3].map((seq) => ({
      _id: randomUUID(),
      conversationId,
      seq,
      senderId: alice!.id,
      clientMsgId: `legacy-${seq}`,
      body: `old ${seq}`,
      attachments: seq === 2 ? [{ key, name: 'a.png', contentType: 'image/png', size: 10 }] : [],
      createdAt: new Date(Date.UTC(2025, 0, seq)),
    }))
    await messages.insertMany(legacy)

    expect(await migratePostgres(sql, db)).toEqual([6, 7])

    const ids = (await messages.find({}).toArray()).map((message) => message._id).sort()
    expect(ids).toEqual([1, 2, 3].map((seq) => `${conversationId}:${seq}`))
    expect((await messages.listIndexes().toArray()).map((index) => index.name)).toEqual(['_id_'])
    expect(
      await sql`select client_msg_id, seq::int from message_keys where conversation_id = ${conversationId} order by seq`,
    ).toEqual([1, 2, 3].map((seq) => ({ client_msg_id: `legacy-${seq}`, seq })))
    expect(
      await sql`select upload_key from message_attachments where conversation_id = ${conversationId}`,
    ).toEqual([{ upload_key: key }])

    const page = await messageHistory({ sql, mongo: db }, bob!.id, conversationId, { limit: 50 })
    expect(page.items.map((message) => [message.seq, message.body, message.createdAt])).toEqual(
      legacy.map((message) => [message.seq, message.body, message.createdAt.toISOString()]),
    )
    const allow: Limiter = {
      consume: async () => ({ limit: 1, windowSeconds: 1, remaining: 1, resetSeconds: 1 }),
      ensureRemaining: async () => {},
    }
    const ctx = { sql, mongo: db, limiter: allow, uploads: () => expect.fail('no attachments here') }
    const retried = await storeMessage(
      ctx,
      alice!.id,
      { conversationId },
      { clientMsgId: 'legacy-3', body: 'again', attachments: [] },
    )
    expect(retried).toMatchObject({ duplicate: true, message: { seq: 3, body: 'old 3' } })
    const next = await storeMessage(
      ctx,
      bob!.id,
      { conversationId },
      { clientMsgId: 'new', body: 'new', attachments: [] },
    )
    expect(next.message).toMatchObject({ id: `${conversationId}:4`, seq: 4 })

    // A run cut short after copying a message and before removing its original finishes the move when run again.
    await messages.insertOne({ ...legacy[0], _id: randomUUID() })
    await sql.begin((tx) => rewriteMessages(tx, db))
    expect(await messages.countDocuments({})).toBe(4)
    expect(
      (await messageHistory({ sql, mongo: db }, bob!.id, conversationId, { limit: 50 })).items,
    ).toHaveLength(4)
  })

  it('keeps usernames unique regardless of case', async () => {
    const sql = connect(process.env.DATABASE_URL as string)
    const name = `Case_${randomBytes(4).toString('hex')}`
    await sql`insert into users (email, username, display_name, password_hash)
              values (${`${name}@example.com`}, ${name}, 'A', 'x')`
    await expect(
      sql`insert into users (email, username, display_name, password_hash)
          values (${`other-${name}@example.com`}, ${name.toLowerCase()}, 'B', 'x')`,
    ).rejects.toMatchObject({ code: '23505' })
  })
})

describe('mongo indexes', () => {
  it('are ensured idempotently, twice in parallel, with unsupported ones reported rather than failing', async () => {
    const client = await new MongoClient(process.env.MONGO_URL as string).connect()
    try {
      const db = client.db(`chat_indexes_${randomBytes(4).toString('hex')}`)
      const [first, second] = await Promise.all([ensureMongoIndexes(db), ensureMongoIndexes(db)])
      expect(first.created.length + first.unsupported.length).toBe(mongoIndexes.length)
      expect(second.created).toEqual(first.created)
      const again = await ensureMongoIndexes(db)
      expect(again).toEqual(first)
      const names = (await db.collection('notifications').listIndexes().toArray()).map((index) => index.name)
      expect(names).toEqual(expect.arrayContaining(['user_newest', 'job_id']))
      await db.collection('notifications').insertOne({ jobId: 'j', userId: 'u' })
      await expect(
        db.collection('notifications').insertOne({ jobId: 'j', userId: 'v' }),
      ).rejects.toMatchObject({
        code: 11000,
      })
      await db.dropDatabase()
    } finally {
      await client.close()
    }
  })
})
