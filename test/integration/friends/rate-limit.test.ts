import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closeMongo } from '../../../lib/stores/mongo.ts'
import { closePostgres, postgresClient } from '../../../lib/stores/postgres.ts'
import { type Call, friendRoutes, friendsApi, type Person, people } from './api.ts'

let call: Call

beforeAll(() => {
  call = friendsApi()
})
afterAll(async () => {
  await Promise.all([closePostgres(), closeMongo()])
})

describe('POST /friends/{userId}, at most 10 a minute per user', () => {
  it('answers the 11th request within a minute with 429 and Retry-After, and sends nothing', async () => {
    const [sender, ...others] = (await people(call, 12, 'rl')) as [Person, ...Person[]]
    const friends = friendRoutes(call)
    const statuses: number[] = []
    for (const other of others.slice(0, 10)) statuses.push((await friends.request(sender, other.id)).status)
    expect(statuses).toEqual(Array.from({ length: 10 }, () => 201))
    const last = others[10] as Person
    const limited = await friends.request(sender, last.id)
    expect(limited.status).toBe(429)
    expect(limited.headers['content-type']).toBe('application/problem+json')
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1)
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60)
    expect(limited.headers).toMatchObject({ 'ratelimit-limit': '10', 'ratelimit-policy': '10;w=60' })
    expect(limited.body).toMatchObject({ status: 429, code: 'rate_limited' })
    const sql = await postgresClient()
    expect(await sql`select 1 from friendships where requested_by = ${sender.id}`).toHaveLength(10)

    // The limit is the sender's: the one it stopped can still ask, and the sender can still answer.
    expect((await friends.request(last, sender.id)).status).toBe(201)
    expect((await friends.accept(sender, last.id)).status).toBe(200)
  })
})
