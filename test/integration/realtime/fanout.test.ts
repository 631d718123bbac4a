// Fan-out: every live connection of each user gets the frame, with bounded concurrency; a 410 removes the connection.
import { randomUUID } from 'node:crypto'
import { DeleteCommand } from '@aws-sdk/lib-dynamodb'
import { describe, expect, it } from 'vitest'
import { configuredConnectionsTable, connectionsOf } from '../../../lib/connections/lists.ts'
import { connectionRecord, recordConnection } from '../../../lib/connections/store.ts'
import { deliverToUsers } from '../../../lib/delivery/fanout.ts'
import { liveUserEventSink } from '../../../lib/delivery/live-user-events.ts'
import { frames } from '../../../lib/protocol/ws.ts'
import { dynamoClient } from '../../../lib/stores/dynamodb.ts'
import { type DynamoJson, dynamoJson } from '../../../lib/stores/dynamodb-json.ts'
import { fakeManagement } from './fake-management.ts'

/** Connections opened a minute ago: settled, so a 410 from one means it has gone. */
const connect = async (userId: string, count = 1, connectedAt = Date.now() - 60_000) => {
  const ids = Array.from({ length: count }, () => `${randomUUID().slice(0, 14)}=`)
  for (const id of ids)
    await recordConnection(
      dynamoClient(),
      configuredConnectionsTable(),
      connectionRecord(id, userId, connectedAt),
    )
  return ids
}

const depsWith = (management: ReturnType<typeof fakeManagement>, concurrency?: number) => ({
  connections: dynamoJson(),
  table: configuredConnectionsTable(),
  management: management.client,
  ...(concurrency !== undefined && { concurrency }),
})

describe('deliverToUsers', () => {
  it('reaches every device of every user except the sending connection, and names the offline users', async () => {
    const [alice, bob, carol] = [randomUUID(), randomUUID(), randomUUID()]
    const aliceIds = await connect(alice, 2)
    const bobIds = await connect(bob, 3)
    const management = fakeManagement()
    const frame = frames.typing({ conversationId: randomUUID(), userId: alice, state: 'start' })

    const delivery = await deliverToUsers(depsWith(management), [alice, bob, carol], frame, {
      exceptConnectionId: aliceIds[0],
    })

    expect(delivery).toEqual({ delivered: 4, gone: [], offlineUserIds: [carol], failed: 0 })
    expect([...management.posted.keys()].sort()).toEqual([aliceIds[1], ...bobIds].sort())
    for (const posted of management.posted.values()) expect(posted).toEqual([frame])
  })

  it('keeps at most `concurrency` posts in flight', async () => {
    const users = Array.from({ length: 10 }, () => randomUUID())
    for (const user of users) await connect(user, 5)
    const management = fakeManagement({ latencyMs: 5 })

    const delivery = await deliverToUsers(depsWith(management, 8), users, frames.pong())

    expect(delivery.delivered).toBe(50)
    expect(management.maxInFlight).toBe(8)
  })

  it('removes a connection that vanished without $disconnect on its first 410, and the others still get the frame', async () => {
    const [alice, bob] = [randomUUID(), randomUUID()]
    const [stale, live] = await connect(alice, 2)
    const [bobId] = await connect(bob)
    const management = fakeManagement()
    management.gone.add(stale as string)

    const { connections, commands } = watchedDynamo()

    const first = await deliverToUsers({ ...depsWith(management), connections }, [alice, bob], frames.pong())
    expect(first).toEqual({ delivered: 2, gone: [stale], offlineUserIds: [], failed: 0 })
    // The record and its id in the user's list go over the signed client, as the lookup did.
    expect(commands).toEqual(['BatchGetItem', 'DeleteItem', 'UpdateItem'])
    expect(management.posted.get(live as string)).toEqual([frames.pong()])
    expect(management.posted.get(bobId as string)).toEqual([frames.pong()])
    expect((await connectionsOf(dynamoJson(), configuredConnectionsTable(), [alice])).get(alice)).toEqual([
      live,
    ])

    const attempts = management.attempts
    await deliverToUsers(depsWith(management), [alice, bob], frames.pong())
    // Never retried: the second delivery posts to the two live connections only.
    expect(management.attempts - attempts).toBe(2)
  })

  it('keeps a just-recorded connection that answers 410, since its $connect may still be running', async () => {
    const alice = randomUUID()
    const [opening] = await connect(alice, 1, Date.now())
    const management = fakeManagement()
    management.gone.add(opening as string)

    const delivery = await deliverToUsers(depsWith(management), [alice], frames.pong())

    expect(delivery.gone).toEqual([opening])
    expect((await connectionsOf(dynamoJson(), configuredConnectionsTable(), [alice])).get(alice)).toEqual([
      opening,
    ])
  })

  it('counts a user whose every connection was gone as offline', async () => {
    const alice = randomUUID()
    const ids = await connect(alice, 2)
    const management = fakeManagement()
    for (const id of ids) management.gone.add(id)
    const delivery = await deliverToUsers(depsWith(management), [alice], frames.pong())
    expect(delivery).toMatchObject({ delivered: 0, offlineUserIds: [alice] })
    expect(delivery.gone.sort()).toEqual([...ids].sort())
  })

  it('counts other post failures without failing the delivery or calling the user offline', async () => {
    const [alice, bob] = [randomUUID(), randomUUID()]
    const [broken] = await connect(alice)
    const [fine] = await connect(bob)
    const management = fakeManagement()
    const post = management.client.post
    management.client.post = (connectionId, data) =>
      connectionId === broken ? Promise.reject(new Error('socket hang up')) : post(connectionId, data)
    const delivery = await deliverToUsers(depsWith(management), [alice, bob], frames.pong())
    expect(delivery).toEqual({ delivered: 1, gone: [], offlineUserIds: [], failed: 1 })
    expect(management.posted.get(fine as string)).toEqual([frames.pong()])
  })
})

/** The table's signed client, each call named as it goes out and held until `hold` lets it go. */
function watchedDynamo(hold: (operation: string) => Promise<void> = async () => {}) {
  const commands: string[] = []
  const real = dynamoJson()
  const connections: DynamoJson = {
    async call(operation, request) {
      commands.push(operation)
      await hold(operation)
      return real.call(operation, request)
    },
  }
  return { connections, commands }
}

describe('deliverToUsers in a large room', () => {
  it('reads 250 members’ connections with one BatchGetItem per 100 and no per-member query, and serialises the frame once', async () => {
    const users = Array.from({ length: 250 }, () => randomUUID())
    const ids = (await Promise.all(users.map((user) => connect(user)))).flat()
    const management = fakeManagement()
    const bodies = new Set<unknown>()
    const post = management.client.post
    management.client.post = (connectionId, data) => {
      bodies.add(data)
      return post(connectionId, data)
    }
    const { connections, commands } = watchedDynamo()

    const delivery = await deliverToUsers({ ...depsWith(management), connections }, users, frames.pong())

    expect(delivery).toEqual({ delivered: 250, gone: [], offlineUserIds: [], failed: 0 })
    expect(commands).toEqual(['BatchGetItem', 'BatchGetItem', 'BatchGetItem'])
    expect([...management.posted.keys()].sort()).toEqual([...ids].sort())
    expect(bodies.size).toBe(1)
  })

  it('posts to the members of the first answer while the next lookup is still out', async () => {
    const users = Array.from({ length: 150 }, () => randomUUID())
    for (const user of users) await connect(user)
    const management = fakeManagement()
    let firstPost: () => void = () => {}
    const posted = new Promise<void>((resolve) => {
      firstPost = resolve
    })
    const post = management.client.post
    management.client.post = (connectionId, data) => {
      firstPost()
      return post(connectionId, data)
    }
    let lookupsSeen = 0
    let postedWhileHeld = false
    // The second lookup is answered only once a post has gone out (or, should none, after 5 s, to fail not hang).
    const { connections } = watchedDynamo(async () => {
      if (++lookupsSeen !== 2) return
      postedWhileHeld = await Promise.race([
        posted.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 5000)),
      ])
    })

    const delivery = await deliverToUsers({ ...depsWith(management), connections }, users, frames.pong())

    expect(delivery.delivered).toBe(150)
    expect(postedWhileHeld).toBe(true)
  })

  it('drops from its user a connection id whose record is already gone, on its first 410', async () => {
    const alice = randomUUID()
    const [stale] = (await connect(alice)) as [string]
    // A $disconnect that ran before its own $connect finished: the record gone, the id still in the user's set.
    await dynamoClient().send(
      new DeleteCommand({ TableName: configuredConnectionsTable(), Key: { connectionId: stale } }),
    )
    const management = fakeManagement()
    management.gone.add(stale)

    const delivery = await deliverToUsers(depsWith(management), [alice], frames.pong())

    expect(delivery).toMatchObject({ gone: [stale], offlineUserIds: [alice] })
    expect((await connectionsOf(dynamoJson(), configuredConnectionsTable(), [alice])).get(alice)).toEqual([])
  })
})

describe('liveUserEventSink', () => {
  it('posts friend.request to every live connection of the recipient', async () => {
    const bob = randomUUID()
    const ids = await connect(bob, 2)
    const management = fakeManagement()
    const from = { id: randomUUID(), username: 'alice', displayName: 'Alice' }
    const at = new Date().toISOString()

    await liveUserEventSink(() => depsWith(management))({ type: 'friend.request', userId: bob, from, at })

    for (const id of ids) expect(management.posted.get(id)).toEqual([{ type: 'friend.request', from, at }])
  })
})
