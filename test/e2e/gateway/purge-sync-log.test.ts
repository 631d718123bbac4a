// The hourly purgeSyncLog schedule, run every half second here: the sync log forgets rows past the retention period
// and keeps the rest.
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { realRoutes } from '../../../infra/local/gateway/table.ts'
import { type LocalRuntime, startLocalRuntime } from '../../../infra/local/runtime.ts'
import { frames } from '../../../lib/protocol/ws.ts'
import { postgresClient } from '../../../lib/stores/postgres.ts'
import { person } from '../../integration/realtime/people.ts'

let runtime: LocalRuntime

beforeAll(async () => {
  runtime = await startLocalRuntime({
    routes: { ...realRoutes, schedules: realRoutes.schedules.filter((s) => s.name === 'purgeSyncLog') },
    env: { ...process.env, STAGE: `purge-${randomBytes(4).toString('hex')}` },
    httpPort: 0,
    wsPort: 0,
    scheduleIntervalSeconds: { purgeSyncLog: 0.5 },
  })
})
afterAll(() => runtime?.stop())

describe('the sync log purge', () => {
  it('forgets the rows older than SYNC_RETENTION_DAYS (90) and keeps the younger', async () => {
    const sql = await postgresClient()
    const user = await person()
    const frame = frames.friendEvent('friend.request', {
      from: { id: user.id, username: 'someone', displayName: 'Someone' },
      at: new Date().toISOString(),
    })
    const ids = async (at: string) => {
      const [row] = await sql<{ id: string }[]>`
        insert into sync_log (user_id, frame, at) values (${user.id}, ${sql.json(frame)}, now() - ${at}::interval)
        returning id::text`
      return row?.id as string
    }
    const [old, young] = [await ids('91 days'), await ids('89 days')]
    const left = async () =>
      (await sql<{ id: string }[]>`select id::text from sync_log where id in (${old}, ${young})`).map(
        (row) => row.id,
      )
    // Bounded only to fail rather than hang: the schedule runs every half second.
    await vi.waitFor(async () => expect(await left()).toEqual([young]), { timeout: 20_000, interval: 250 })
  })
})
