import { randomBytes } from 'node:crypto'
import { MongoClient } from 'mongodb'
import postgres, { type Sql } from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureMongoIndexes, mongoIndexes } from '../../lib/migrations/mongo.ts'
import { migratePostgres, postgresMigrations } from '../../lib/migrations/postgres.ts'

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
      const names = (await db.collection('messages').listIndexes().toArray()).map((index) => index.name)
      expect(names).toEqual(expect.arrayContaining(['conversation_seq', 'conversation_sender_client_msg']))
      await db
        .collection('messages')
        .insertOne({ conversationId: 'c', seq: 1, senderId: 'u', clientMsgId: 'm' })
      await expect(
        db.collection('messages').insertOne({ conversationId: 'c', seq: 1, senderId: 'u', clientMsgId: 'n' }),
      ).rejects.toMatchObject({ code: 11000 })
      await db.dropDatabase()
    } finally {
      await client.close()
    }
  })
})
