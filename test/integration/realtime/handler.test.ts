// The shared WebSocket route wrapper: the caller from the authorizer context, and every frame counted as activity.
import { randomBytes, randomUUID } from 'node:crypto'
import type { Context } from 'aws-lambda'
import { describe, expect, it } from 'vitest'
import { wsMessageEvent } from '../../../infra/local/gateway/events.ts'
import { localIdentity } from '../../../infra/local/gateway/table.ts'
import { markSessionsEnded } from '../../../lib/connections/ended-sessions.ts'
import { connectionKeys } from '../../../lib/delivery/activity.ts'
import { markOnline } from '../../../lib/presence/tracker.ts'
import { frames } from '../../../lib/protocol/ws.ts'
import { redisClient } from '../../../lib/stores/redis.ts'
import { frameRule } from '../../../lib/ws/admission.ts'
import { type WsEvent, wsHandler } from '../../../lib/ws/handler.ts'
import { fakeManagement } from './fake-management.ts'

process.env.STAGE = `handler-${randomBytes(4).toString('hex')}`

const lambda = {} as Context
const at = new Date().toISOString()
function frameEvent(connectionId: string, authorizer?: Record<string, string>): WsEvent {
  const event = wsMessageEvent(
    'whoami',
    '{"action":"whoami"}',
    {
      connectionId,
      connectedAt: Date.now(),
      domainName: 'localhost',
      identity: { sourceIp: '127.0.0.1' },
      ...(authorizer && { authorizer: { ...authorizer, principalId: authorizer.userId ?? '' } }),
    },
    localIdentity(process.env),
  )
  return event as unknown as WsEvent
}

describe('wsHandler', () => {
  it('hands the route the caller the authorizer verified, and counts the frame as activity', async () => {
    const management = fakeManagement()
    const userId = randomUUID()
    const connectionId = `${randomUUID().slice(0, 14)}=`
    const connectedAt = Date.now() - 60_000
    await markOnline(await redisClient(), { userId, connectionId, now: connectedAt })
    const handler = wsHandler(
      () => management.client,
      async (_event, ctx) =>
        ctx.reply(frames.presence({ userId: ctx.userId, status: 'online', lastSeenAt: at })),
    )

    expect(await handler(frameEvent(connectionId, { userId, sessionId: randomUUID() }), lambda)).toEqual({
      statusCode: 200,
    })

    expect(management.posted.get(connectionId)).toEqual([
      frames.presence({ userId, status: 'online', lastSeenAt: at }),
    ])
    const score = Number(await (await redisClient()).zscore(connectionKeys().activity, connectionId))
    expect(score).toBeGreaterThan(connectedAt)
  })

  it('answers an unauthorized error frame to a route that needs a caller on a connection without one', async () => {
    const management = fakeManagement()
    const connectionId = `${randomUUID().slice(0, 14)}=`
    const handler = wsHandler(
      () => management.client,
      async (_event, ctx) =>
        ctx.reply(frames.presence({ userId: ctx.userId, status: 'online', lastSeenAt: at })),
    )
    await handler(frameEvent(connectionId), lambda)
    expect(management.posted.get(connectionId)).toEqual([
      { type: 'error', code: 'unauthorized', message: expect.any(String), action: 'whoami' },
    ])
  })

  it('refuses the frame with unavailable when Redis cannot say whether it may be served', async () => {
    const management = fakeManagement()
    const connectionId = `${randomUUID().slice(0, 14)}=`
    const handler = wsHandler(
      () => management.client,
      async (_event, ctx) => ctx.reply({ type: 'pong' }),
      {
        redis: () => Promise.reject(new Error('redis is down')),
      },
    )
    await handler(frameEvent(connectionId, { userId: randomUUID(), sessionId: randomUUID() }), lambda)
    expect(management.posted.get(connectionId)).toEqual([
      { type: 'error', code: 'unavailable', message: expect.any(String), action: 'whoami' },
    ])
    expect(management.deleted).toEqual([])
  })

  it('refuses a frame of an ended session with unauthorized, runs none of its effects, and closes the connection', async () => {
    const management = fakeManagement()
    const sessionId = randomUUID()
    const connectionId = `${randomUUID().slice(0, 14)}=`
    const effects: string[] = []
    const handler = wsHandler(
      () => management.client,
      async (_event, ctx) => {
        await ctx.admitted
        effects.push('stored')
        await ctx.reply(frames.pong())
      },
    )
    const event = () => frameEvent(connectionId, { userId: randomUUID(), sessionId })
    await handler(event(), lambda)
    expect(effects).toEqual(['stored'])

    await markSessionsEnded(await redisClient(), [sessionId])
    await handler(event(), lambda)

    expect(effects).toEqual(['stored'])
    expect(management.posted.get(connectionId)).toEqual([
      frames.pong(),
      { type: 'error', code: 'unauthorized', message: expect.any(String), action: 'whoami' },
    ])
    expect(management.deleted).toEqual([connectionId])
  })

  it('answers a flood with one rate_limited frame per window, then closes the connection', async () => {
    const management = fakeManagement()
    const connectionId = `${randomUUID().slice(0, 14)}=`
    const handler = wsHandler(
      () => management.client,
      async (_event, ctx) => ctx.reply({ type: 'pong' }),
    )
    const identity = { userId: randomUUID(), sessionId: randomUUID() }
    // Twenty frames at a time, as a flooding client's arrive: one after another, a busy machine handled them slower
    // than the bucket refills (20 a second), and the flood never looked like one.
    for (let i = 0; i < 20 && management.deleted.length === 0; i++)
      await Promise.all(Array.from({ length: 20 }, () => handler(frameEvent(connectionId, identity), lambda)))

    const frames = management.posted.get(connectionId) as {
      type: string
      code?: string
      retryAfterMs?: number
    }[]
    const pongs = frames.filter((frame) => frame.type === 'pong').length
    const refusals = frames.filter((frame) => frame.type === 'error')
    expect(pongs).toBeGreaterThanOrEqual(frameRule.burst)
    expect(refusals.length).toBeGreaterThanOrEqual(1)
    for (const refusal of refusals) {
      expect(refusal).toMatchObject({ type: 'error', code: 'rate_limited', action: 'whoami' })
      expect(refusal.retryAfterMs).toBeGreaterThan(0)
      expect(refusal.retryAfterMs).toBeLessThanOrEqual(1000 / frameRule.perSecond)
    }
    // A refusal is answered at most once a second, plus the one that says the connection is closed.
    expect(refusals.length).toBeLessThan(pongs)
    expect(management.deleted).toEqual([connectionId])
  })
})
