// The connections table (dynalite): records by connection, found by user through the byUser index, removed once.
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { configuredConnectionsTable, connectionsOf } from '../../../lib/connections/lists.ts'
import {
  connectionRecord,
  connectionTtlSeconds,
  recordConnection,
  removeConnection,
} from '../../../lib/connections/store.ts'
import { dynamoClient } from '../../../lib/stores/dynamodb.ts'
import { dynamoJson } from '../../../lib/stores/dynamodb-json.ts'

const db = () => dynamoClient()
const table = () => configuredConnectionsTable()
const connectionId = () => `${randomUUID().slice(0, 14)}=`

describe('connections store', () => {
  it('expires a record a little after API Gateway’s 2-hour limit', () => {
    const now = Date.parse('2026-01-01T00:00:00Z')
    const record = connectionRecord('c1=', 'u1', now)
    expect(record).toEqual({
      connectionId: 'c1=',
      userId: 'u1',
      connectedAt: '2026-01-01T00:00:00.000Z',
      expiresAt: now / 1000 + connectionTtlSeconds,
    })
    expect(connectionTtlSeconds).toBeGreaterThan(2 * 3600)
    expect(connectionTtlSeconds).toBeLessThanOrEqual(2.5 * 3600)
  })

  it('finds every connection of each user, and an empty list for a user with none', async () => {
    const [alice, bob, nobody] = [randomUUID(), randomUUID(), randomUUID()]
    const aliceIds = [connectionId(), connectionId(), connectionId()]
    const bobId = connectionId()
    for (const id of aliceIds) await recordConnection(db(), table(), connectionRecord(id, alice))
    await recordConnection(db(), table(), connectionRecord(bobId, bob))

    const found = await connectionsOf(dynamoJson(), table(), [alice, bob, nobody, alice])
    expect([...found.keys()]).toEqual([alice, bob, nobody])
    expect(found.get(alice)?.sort()).toEqual([...aliceIds].sort())
    expect(found.get(bob)).toEqual([bobId])
    expect(found.get(nobody)).toEqual([])
  })

  it('removes a connection once, answering what it held, then nothing', async () => {
    const user = randomUUID()
    const id = connectionId()
    const record = connectionRecord(id, user)
    await recordConnection(db(), table(), record)
    expect(await removeConnection(db(), table(), id)).toEqual(record)
    expect(await removeConnection(db(), table(), id)).toBeUndefined()
    expect((await connectionsOf(dynamoJson(), table(), [user])).get(user)).toEqual([])
  })

  it('queries many users concurrently and answers for each', async () => {
    const users = Array.from({ length: 40 }, () => randomUUID())
    await Promise.all(
      users.map((user, i) => recordConnection(db(), table(), connectionRecord(`c${i}-${user}`, user))),
    )
    const found = await connectionsOf(dynamoJson(), table(), users)
    expect(users.every((user, i) => found.get(user)?.[0] === `c${i}-${user}`)).toBe(true)
  })
})
