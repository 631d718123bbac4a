// Local EventBridge schedules: the function gets a genuine Scheduled Event every (overridden) interval.
import type { ScheduledEvent } from 'aws-lambda'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type LocalRuntime, startLocalRuntime } from '../../../infra/local/runtime.ts'
import { nextRecord, recorded } from './fixtures/probe.ts'
import { fixtureEnv, fixtureRoutes } from './routes.ts'

let runtime: LocalRuntime

beforeAll(async () => {
  runtime = await startLocalRuntime({
    routes: {
      ...fixtureRoutes,
      schedules: [
        { name: 'tick', function: 'tick', everyMinutes: 1 },
        { name: 'slow', function: 'tick', everyMinutes: 60 },
      ],
    },
    env: fixtureEnv,
    httpPort: 0,
    wsPort: 0,
    scheduleIntervalSeconds: { tick: 0.05 },
  })
})
afterAll(() => runtime?.stop())

describe('schedules', () => {
  it('runs a schedule every overridden interval with an EventBridge Scheduled Event', async () => {
    const started = Date.now()
    const third = await nextRecord<ScheduledEvent>('tick', () => recorded('tick').length >= 3)
    expect(Date.now() - started).toBeGreaterThanOrEqual(100)
    expect(third).toMatchObject({
      version: '0',
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '123456789012',
      region: 'us-east-1',
      resources: ['arn:aws:events:us-east-1:123456789012:rule/tick'],
      detail: {},
    })
    expect(third.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/)
    expect(new Set(recorded<ScheduledEvent>('tick').map((event) => event.id)).size).toBe(
      recorded('tick').length,
    )
  })

  it('keeps the table interval for a schedule with no override', () => {
    expect(recorded<ScheduledEvent>('tick').some((event) => event.resources[0]?.endsWith('/slow'))).toBe(
      false,
    )
  })

  it('runs no more once stopped', async () => {
    await runtime.stop()
    const count = recorded('tick').length
    // A lapse of several intervals, to see that none of them brings a run.
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(recorded('tick').length).toBe(count)
  })
})
