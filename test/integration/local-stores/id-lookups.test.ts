// Messages are read by `_id` alone, so each read must use the `_id` index on every MongoDB the service runs on.
import { randomUUID } from 'node:crypto'
import { afterAll, expect, it } from 'vitest'
import { mongoDb } from '../../../lib/stores/mongo.ts'

const collectionName = `id_lookups_${randomUUID().slice(0, 8)}`

afterAll(async () => {
  await (await mongoDb()).collection(collectionName).drop()
})

it('finds a document by _id through the index, not by scanning the collection', async () => {
  const collection = (await mongoDb()).collection<{ _id: string; n: number }>(collectionName)
  await collection.insertMany(Array.from({ length: 200 }, (_, n) => ({ _id: `c:${n}`, n })))
  const plan = (await collection.find({ _id: 'c:150' }).explain()) as {
    serverInfo?: { ferretdbVersion?: string }
    queryPlanner: unknown
  }
  const planned = JSON.stringify(plan.queryPlanner)
  if (plan.serverInfo?.ferretdbVersion) {
    // FerretDB on SQLite reports SQLite's own plan.
    expect(planned).toMatch(/SEARCH \S+ USING INDEX \S+__id_/)
    expect(planned).not.toMatch(/\bSCAN\b/)
  } else {
    expect(planned).not.toContain('COLLSCAN')
  }
  expect(await collection.findOne({ _id: 'c:150' })).toEqual({ _id: 'c:150', n: 150 })
})
