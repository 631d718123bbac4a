// Connect, disconnect and the idle reaper over the real stores, with a recording @connections client.
import { randomBytes, randomUUID } from 'node:crypto'
import type { Context } from 'aws-lambda'
import { describe, expect, it } from 'vitest'
import { createPresenceHandler } from '../../../functions/http/presence.ts'
import { httpEvent } from '../../../infra/local/gateway/events.ts'
import { localIdentity } from '../../../infra/local/gateway/table.ts'
import { markSessionsEnded } from '../../../lib/connections/ended-sessions.ts'
import { type ConnectionDeps, endConnection, openConnection } from '../../../lib/connections/lifecycle.ts'
import { configuredConnectionsTable, connectionsOf } from '../../../lib/connections/lists.ts'
import { reapIdle } from '../../../lib/connections/reaper.ts'
import { closeEndedSessions, revocationDeps } from '../../../lib/connections/revocation.ts'
import { touchActivity } from '../../../lib/delivery/activity.ts'
import { UnauthorizedError } from '../../../lib/errors.ts'
import { storeDeps } from '../../../lib/http/deps.ts'
import { dynamoClient } from '../../../lib/stores/dynamodb.ts'
import { dynamoJson } from '../../../lib/stores/dynamodb-json.ts'
import { postgresClient } from '../../../lib/stores/postgres.ts'
import { redisClient } from '../../../lib/stores/redis.ts'
import { admitFrame } from '../../../lib/ws/admission.ts'
import { type FakeManagement, fakeManagement } from './fake-management.ts'
import { befriend, type Person, person } from './people.ts'

// A stage of this file's own, so the reaper here sees only this file's connections.
process.env.STAGE = `lifecycle-${randomBytes(4).toString('hex')}`

const id = () => `${randomUUID().slice(0, 14)}=`

async function deps(management: FakeManagement): Promise<ConnectionDeps> {
  return {
    fanout: {
      connections: dynamoJson(),
      table: configuredConnectionsTable(),
      management: management.client,
    },
    dynamo: dynamoClient(),
    redis: await redisClient(),
    sql: await postgresClient(),
  }
}

const presenceFrames = (management: FakeManagement, connectionId: string) =>
  (management.posted.get(connectionId) ?? []).filter(
    (frame) => (frame as { type: string }).type === 'presence',
  )

async function friendsOnline(): Promise<{ alice: Person; bob: Person; bobConnection: string }> {
  const [alice, bob] = [await person(), await person()]
  await befriend(alice, bob)
  const management = fakeManagement()
  const bobConnection = id()
  await openConnection(await deps(management), { connectionId: bobConnection, userId: bob.id })
  return { alice, bob, bobConnection }
}

describe('connect and disconnect', () => {
  it('announces the first connection and the end of the last to online friends, and nothing in between', async () => {
    const { alice, bobConnection } = await friendsOnline()
    const management = fakeManagement()
    const [phone, laptop] = [id(), id()]
    const t0 = Date.now()

    await openConnection(await deps(management), { connectionId: phone, userId: alice.id, now: t0 })
    await openConnection(await deps(management), { connectionId: laptop, userId: alice.id, now: t0 + 1 })
    const stored = await connectionsOf(dynamoJson(), configuredConnectionsTable(), [alice.id])
    expect(stored.get(alice.id)?.sort()).toEqual([phone, laptop].sort())
    await endConnection(await deps(management), { connectionId: phone, userId: alice.id, now: t0 + 2 })
    await endConnection(await deps(management), { connectionId: laptop, userId: alice.id, now: t0 + 3 })

    expect(presenceFrames(management, bobConnection)).toEqual([
      { type: 'presence', userId: alice.id, status: 'online', lastSeenAt: new Date(t0).toISOString() },
      { type: 'presence', userId: alice.id, status: 'offline', lastSeenAt: new Date(t0 + 3).toISOString() },
    ])
    // $connect never posts to the connection being opened.
    expect(management.posted.has(phone) || management.posted.has(laptop)).toBe(false)
    expect(
      (await connectionsOf(dynamoJson(), configuredConnectionsTable(), [alice.id])).get(alice.id),
    ).toEqual([])
  })

  it('tells strangers nothing', async () => {
    const [alice, stranger] = [await person(), await person()]
    const management = fakeManagement()
    const strangerConnection = id()
    await openConnection(await deps(management), { connectionId: strangerConnection, userId: stranger.id })
    await openConnection(await deps(management), { connectionId: id(), userId: alice.id })
    expect(management.posted.size).toBe(0)
  })
})

describe('the idle reaper', () => {
  it('closes idle connections, spares active ones, and forgets one already gone', async () => {
    const { alice, bob, bobConnection } = await friendsOnline()
    const management = fakeManagement()
    const [idle, vanished, active] = [id(), id(), id()]
    const t0 = Date.now() - 60_000
    await openConnection(await deps(management), { connectionId: idle, userId: alice.id, now: t0 })
    await openConnection(await deps(management), { connectionId: vanished, userId: alice.id, now: t0 })
    await openConnection(await deps(management), { connectionId: active, userId: bob.id, now: t0 })
    await touchActivity(await redisClient(), active, Date.now(), 0)
    await touchActivity(await redisClient(), bobConnection, Date.now(), 0)
    management.gone.add(vanished)
    const announced = () => presenceFrames(management, bobConnection).slice(1)

    const reaped = await reapIdle(await deps(management), { idleTimeoutMinutes: 0.5 })

    expect(reaped).toEqual({ closed: [idle], gone: [vanished], failed: 0 })
    expect(management.deleted).toEqual([idle])
    // The vanished one is forgotten here; the closed one waits for its $disconnect, which then says offline.
    const stored = await connectionsOf(dynamoJson(), configuredConnectionsTable(), [alice.id])
    expect(stored.get(alice.id)).toEqual([idle])
    expect(announced()).toEqual([])
    await endConnection(await deps(management), { connectionId: idle, userId: alice.id })
    expect(announced()).toMatchObject([{ userId: alice.id, status: 'offline' }])
    expect((await reapIdle(await deps(management), { idleTimeoutMinutes: 0.5 })).closed).toEqual([])
  })

  it('announces offline itself when the connection it found gone was the user’s last', async () => {
    const { alice, bobConnection } = await friendsOnline()
    const management = fakeManagement()
    const vanished = id()
    await openConnection(await deps(management), {
      connectionId: vanished,
      userId: alice.id,
      now: Date.now() - 60_000,
    })
    await touchActivity(await redisClient(), bobConnection, Date.now(), 0)
    management.gone.add(vanished)
    expect(await reapIdle(await deps(management), { idleTimeoutMinutes: 0.5 })).toEqual({
      closed: [],
      gone: [vanished],
      failed: 0,
    })
    expect(presenceFrames(management, bobConnection)).toMatchObject([
      { userId: alice.id, status: 'online' },
      { userId: alice.id, status: 'offline' },
    ])
  })
})

describe('GET /presence', () => {
  const handler = createPresenceHandler(storeDeps)
  const lambda = { getRemainingTimeInMillis: () => 10_000 } as unknown as Context
  const get = async (token: string, query: string) => {
    const event = httpEvent(
      {
        method: 'GET',
        rawPath: '/presence',
        rawQueryString: query,
        rawHeaders: ['authorization', `Bearer ${token}`],
        sourceIp: '10.9.9.9',
        localPort: 3000,
        protocol: 'HTTP/1.1',
      },
      { routeKey: 'GET /presence' },
      localIdentity(process.env),
    )
    const result = await handler(event, lambda)
    return { status: result.statusCode, body: JSON.parse(result.body ?? 'null') }
  }

  it('answers for friends only, leaving out strangers and unknown ids without saying which', async () => {
    const { alice, bob } = await friendsOnline()
    const [carol, stranger] = [await person(), await person()]
    await befriend(alice, carol)
    const query = `userIds=${[bob.id, stranger.id, carol.id, randomUUID()].join(',')}`
    const { status, body } = await get(alice.token, query)
    expect(status).toBe(200)
    expect(body).toEqual({
      items: [
        { userId: bob.id, status: 'online', lastSeenAt: expect.any(String) },
        { userId: carol.id, status: 'offline', lastSeenAt: null },
      ],
      nextCursor: null,
    })
  })

  it.for<[string, string]>([
    ['no ids', 'userIds='],
    ['an id that is not a UUID', 'userIds=abc'],
    ['too many ids', `userIds=${Array.from({ length: 101 }, () => randomUUID()).join(',')}`],
    ['an unknown parameter', `userIds=${randomUUID()}&x=1`],
  ])('refuses %s with 400', async ([, query]) => {
    const alice = await person()
    expect((await get(alice.token, query)).status).toBe(400)
  })

  it('needs a token', async () => {
    expect((await get('nope', `userIds=${randomUUID()}`)).status).toBe(401)
  })
})

describe('ended sessions', () => {
  it('refuses a $connect whose session ended while it ran, leaving no record and no presence', async () => {
    const { alice, bobConnection } = await friendsOnline()
    const management = fakeManagement()
    const connectionId = id()
    await markSessionsEnded(await redisClient(), [alice.sessionId])

    await expect(
      openConnection(await deps(management), { connectionId, userId: alice.id, sessionId: alice.sessionId }),
    ).rejects.toBeInstanceOf(UnauthorizedError)

    const stored = await connectionsOf(dynamoJson(), configuredConnectionsTable(), [alice.id])
    expect(stored.get(alice.id)).toEqual([])
    expect(presenceFrames(management, bobConnection)).toEqual([])
  })

  it('closes the ended sessions’ connections found by user, and leaves the user’s other sessions open', async () => {
    const alice = await person()
    const management = fakeManagement()
    const [ending, other] = [id(), id()]
    const otherSession = randomUUID()
    const connectionDeps = await deps(management)
    await openConnection(connectionDeps, {
      connectionId: ending,
      userId: alice.id,
      sessionId: alice.sessionId,
    })
    await openConnection(connectionDeps, { connectionId: other, userId: alice.id, sessionId: otherSession })

    await closeEndedSessions({
      ...revocationDeps,
      management: () => management.client,
    })({ userId: alice.id, sessionIds: [alice.sessionId] })

    expect(management.deleted).toEqual([ending])
    const admission = await admitFrame(await redisClient(), {
      connectionId: ending,
      sessionId: alice.sessionId,
    })
    expect(admission).toEqual({ verdict: 'session_ended' })
  })
})
