// Push subscriptions and settings in PostgreSQL: one row per endpoint, a bounded number per user, previews opt-in.
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { SubscriptionInput } from '../../../lib/protocol/http/push.ts'
import { endpointPolicy } from '../../../lib/push/endpoints.ts'
import {
  maxSubscriptionsPerUser,
  pushSettingsOf,
  pushTargetsOf,
  registerSubscription,
  savePushSettings,
} from '../../../lib/push/subscriptions.ts'
import { postgresClient } from '../../../lib/stores/postgres.ts'
import { disable, person } from '../realtime/people.ts'

const origin = 'https://push.example'
const policy = endpointPolicy([origin])
const resolve = async () => ['142.250.74.42']

function browser(): SubscriptionInput {
  const point = Buffer.concat([Buffer.from([4]), randomBytes(64)])
  return {
    endpoint: `${origin}/p/${randomBytes(12).toString('base64url')}`,
    keys: { p256dh: point.toString('base64url'), auth: randomBytes(16).toString('base64url') },
  }
}

const register = async (userId: string, input: SubscriptionInput) =>
  registerSubscription({ sql: await postgresClient(), policy, resolve }, userId, input)

describe('push subscriptions', () => {
  it('keeps one row per endpoint: registered again, it keeps its id and takes the new owner and keys', async () => {
    const [first, second] = [await person(), await person()]
    const input = browser()
    const created = await register(first.id, input)
    expect(created.created).toBe(true)
    const again = await register(second.id, { ...input, keys: browser().keys })
    expect(again).toMatchObject({ created: false, subscription: { id: created.subscription.id } })
    const sql = await postgresClient()
    expect((await pushTargetsOf(sql, first.id)).subscriptions).toEqual([])
    expect((await pushTargetsOf(sql, second.id)).subscriptions.map((row) => row.id)).toEqual([
      created.subscription.id,
    ])
  })

  it(`keeps the ${maxSubscriptionsPerUser} most recently registered browsers of a user`, async () => {
    const user = await person()
    const inputs = Array.from({ length: maxSubscriptionsPerUser + 2 }, browser)
    for (const input of inputs) await register(user.id, input)
    const { subscriptions } = await pushTargetsOf(await postgresClient(), user.id)
    expect(subscriptions.map((row) => row.endpoint).sort()).toEqual(
      inputs
        .slice(2)
        .map((input) => input.endpoint)
        .sort(),
    )
  })

  it('has no targets for a disabled user', async () => {
    const user = await person()
    await register(user.id, browser())
    await disable(user)
    expect((await pushTargetsOf(await postgresClient(), user.id)).subscriptions).toEqual([])
  })

  it('shows no preview unless the user turned it on', async () => {
    const user = await person()
    await register(user.id, browser())
    const sql = await postgresClient()
    expect(await pushSettingsOf(sql, user.id)).toEqual({ showPreview: false })
    expect((await pushTargetsOf(sql, user.id)).showPreview).toBe(false)
    await savePushSettings(sql, user.id, { showPreview: true })
    expect((await pushTargetsOf(sql, user.id)).showPreview).toBe(true)
    await savePushSettings(sql, user.id, { showPreview: false })
    expect(await pushSettingsOf(sql, user.id)).toEqual({ showPreview: false })
  })
})
