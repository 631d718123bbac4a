// The users function's MongoDB, loaded on first use (lib/http/deferred-mongo-deps.ts): the same store once loaded.
import { afterAll, describe, expect, it } from 'vitest'
import { config } from '../../../lib/config.ts'
import { deferredMongoStoreDeps } from '../../../lib/http/deferred-mongo-deps.ts'
import { closeMongo, mongoDb } from '../../../lib/stores/mongo.ts'

afterAll(closeMongo)

describe('MongoDB deferred to first use', () => {
  it("loads the store module on first call and answers with the run's database, the one client of the process", async () => {
    const db = await deferredMongoStoreDeps.mongo()
    expect(db.databaseName).toBe(config().MONGO_DB)
    expect(await db.command({ ping: 1 })).toMatchObject({ ok: 1 })
    expect((await mongoDb()).client).toBe(db.client)
  })
})
