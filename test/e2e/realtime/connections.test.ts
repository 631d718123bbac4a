// Connections through the local gateway with real tokens: the handshake, several devices, presence, friend events.
import { randomBytes, randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type LocalRuntime, startLocalRuntime } from '../../../infra/local/runtime.ts'
import { configuredConnectionsTable, connectionsOf } from '../../../lib/connections/lists.ts'
import { connectionRecord, recordConnection } from '../../../lib/connections/store.ts'
import { deliverToUsers, fanoutDeps } from '../../../lib/delivery/fanout.ts'
import { liveUserEventSink } from '../../../lib/delivery/live-user-events.ts'
import { frames } from '../../../lib/protocol/ws.ts'
import { dynamoClient } from '../../../lib/stores/dynamodb.ts'
import { dynamoJson } from '../../../lib/stores/dynamodb-json.ts'
import { befriend, disable, person } from '../../integration/realtime/people.ts'
import { connect, type Device, refused } from './sockets.ts'

let runtime: LocalRuntime
const open: Device[] = []
const device = async (token: string) => {
  const opened = await connect(runtime.wsUrl, token)
  open.push(opened)
  return opened
}

beforeAll(async () => {
  runtime = await startLocalRuntime({
    // A stage of this file's own keeps its presence and activity apart from other files sharing the Redis.
    env: { ...process.env, STAGE: `connections-${randomBytes(4).toString('hex')}` },
    httpPort: 0,
    wsPort: 0,
  })
})
afterAll(async () => {
  await Promise.all(open.map((opened) => opened.close()))
  await runtime?.stop()
})

describe('the handshake', () => {
  it('refuses a missing, malformed or foreign token, and a disabled user’s, with 401', async () => {
    const disabled = await person()
    await disable(disabled)
    const stolen = (await person()).token
    expect(await refused(runtime.wsUrl, '')).toBe(401)
    expect(await refused(runtime.wsUrl, 'nonsense')).toBe(401)
    expect(await refused(runtime.wsUrl, `${stolen.slice(0, -4)}AAAA`)).toBe(401)
    expect(await refused(runtime.wsUrl, disabled.token)).toBe(401)
  })

  it('lets a live session in, records the connection under its user, and answers ping', async () => {
    const alice = await person()
    const phone = await device(alice.token)
    phone.socket.send('{"action":"ping"}')
    expect(await phone.next()).toEqual({ type: 'pong' })
    const stored = await connectionsOf(dynamoJson(), configuredConnectionsTable(), [alice.id])
    expect(stored.get(alice.id)).toHaveLength(1)
  })
})

describe('several devices', () => {
  it('every device of a user gets every frame, and a connection gone without $disconnect is dropped on its 410', async () => {
    const alice = await person()
    const [phone, laptop] = [await device(alice.token), await device(alice.token)]
    const vanished = `${randomUUID().slice(0, 14)}=`
    // Opened a minute ago and lost without $disconnect (a dropped network, say).
    const aMinuteAgo = Date.now() - 60_000
    await recordConnection(
      dynamoClient(),
      configuredConnectionsTable(),
      connectionRecord(vanished, alice.id, aMinuteAgo),
    )

    const delivery = await deliverToUsers(fanoutDeps(), [alice.id], frames.pong())

    expect(delivery).toMatchObject({ delivered: 2, gone: [vanished], offlineUserIds: [] })
    expect(await phone.next()).toEqual(frames.pong())
    expect(await laptop.next()).toEqual(frames.pong())
    const stored = await connectionsOf(dynamoJson(), configuredConnectionsTable(), [alice.id])
    expect(stored.get(alice.id)).toHaveLength(2)
  })

  it('delivers friend.request from the user-event sink to each of the recipient’s devices', async () => {
    const bob = await person()
    const [phone, laptop] = [await device(bob.token), await device(bob.token)]
    const event = {
      type: 'friend.request' as const,
      userId: bob.id,
      from: { id: randomUUID(), username: 'alice', displayName: 'Alice' },
      at: new Date().toISOString(),
    }
    await liveUserEventSink()(event)
    const expected = { type: 'friend.request', from: event.from, at: event.at }
    expect(await phone.next((frame) => frame.type === 'friend.request')).toEqual(expected)
    expect(await laptop.next((frame) => frame.type === 'friend.request')).toEqual(expected)
  })
})

describe('friends connecting at the same moment', () => {
  it('keep every connection: a presence frame meeting a $connect still running does not drop its record', async () => {
    const pairs = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const [a, b] = [await person(), await person()]
        await befriend(a, b)
        return [a, b] as const
      }),
    )
    const devices = await Promise.all(pairs.flat().map((user) => device(user.token)))
    await Promise.all(devices.map((opened) => opened.socket.send('{"action":"ping"}')))
    await Promise.all(devices.map((opened) => opened.next((frame) => frame.type === 'pong')))
    const users = pairs.flat().map((user) => user.id)
    const stored = await connectionsOf(dynamoJson(), configuredConnectionsTable(), users)
    expect(users.filter((user) => stored.get(user)?.length !== 1)).toEqual([])
  })
})

describe('presence', () => {
  it('tells each of a friend’s devices when a user comes online and, at the end of the last device, offline', async () => {
    const [alice, bob, stranger] = [await person(), await person(), await person()]
    await befriend(alice, bob)
    const [bobPhone, bobLaptop] = [await device(bob.token), await device(bob.token)]
    const strangerPhone = await device(stranger.token)

    const alicePhone = await device(alice.token)
    for (const friend of [bobPhone, bobLaptop])
      expect(await friend.next((f) => f.type === 'presence')).toMatchObject({
        type: 'presence',
        userId: alice.id,
        status: 'online',
        lastSeenAt: expect.any(String),
      })
    const aliceLaptop = await device(alice.token)
    await alicePhone.close()
    await aliceLaptop.close()

    // The next presence frame after "online" is "offline": the second device and the first to leave said nothing.
    expect(await bobPhone.next((f) => f.type === 'presence')).toMatchObject({
      userId: alice.id,
      status: 'offline',
    })
    expect(await bobLaptop.next((f) => f.type === 'presence')).toMatchObject({
      userId: alice.id,
      status: 'offline',
    })
    strangerPhone.socket.send('{"action":"ping"}')
    await strangerPhone.next((f) => f.type === 'pong')
    expect(strangerPhone.pending()).toEqual([])
  })

  it('answers GET /presence for friends only', async () => {
    const [alice, bob, carol, stranger] = [await person(), await person(), await person(), await person()]
    await befriend(alice, bob)
    await befriend(alice, carol)
    await device(bob.token)
    await device(stranger.token)
    const ids = [bob.id, carol.id, stranger.id].join(',')
    const response = await fetch(`${runtime.httpUrl}/presence?userIds=${ids}`, {
      headers: { authorization: `Bearer ${alice.token}` },
    })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({
      items: [
        { userId: bob.id, status: 'online', lastSeenAt: expect.any(String) },
        { userId: carol.id, status: 'offline', lastSeenAt: null },
      ],
      nextCursor: null,
    })
  })
})
