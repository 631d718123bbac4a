import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closeMongo } from '../../../lib/stores/mongo.ts'
import { closePostgres, postgresClient } from '../../../lib/stores/postgres.ts'
import { friendRoutes, friendsApi, type Person, people, separateInstance } from './api.ts'

const runs = 50
// Two Lambda instances, each with its own PostgreSQL connection, so both transactions really run at once.
let first: ReturnType<typeof separateInstance>
let second: ReturnType<typeof separateInstance>

beforeAll(() => {
  first = separateInstance()
  second = separateInstance()
})
afterAll(async () => {
  await Promise.all([first.end(), second.end(), closePostgres(), closeMongo()])
})

async function pairs(count: number): Promise<[Person, Person][]> {
  const users = await people(friendsApi(), count * 2, 'race')
  return Array.from({ length: count }, (_, i) => [users[2 * i], users[2 * i + 1]] as [Person, Person])
}

/** Every friendships row and block between the pairs' users. */
async function stateOf(all: [Person, Person][]) {
  const sql = await postgresClient()
  const userIds = all.flat().map((person) => person.id)
  const friendships = await sql<{ user_low: string; user_high: string; status: string }[]>`
    select user_low, user_high, status from friendships where user_low = any(${userIds}::uuid[])`
  const blocks = await sql<{ blocker_id: string; blocked_id: string }[]>`
    select blocker_id, blocked_id from blocks where blocker_id = any(${userIds}::uuid[])`
  return { friendships, blocks }
}

describe('simultaneous changes to one pair', () => {
  it(`A->B and B->A at the same instant end in exactly one friendship, ${runs} times over`, async () => {
    const all = await pairs(runs)
    const one = friendRoutes(first.call)
    const other = friendRoutes(second.call)
    const started = performance.now()
    const statuses: number[][] = []
    for (const [a, b] of all) {
      const answers = await Promise.all([one.request(a, b.id), other.request(b, a.id)])
      statuses.push(answers.map((answer) => answer.status).sort())
    }
    const elapsed = performance.now() - started
    console.info(`${runs} simultaneous request pairs in ${elapsed.toFixed(0)} ms`)
    // One request creates the pending row (201), the other meets it and accepts (200).
    expect(statuses).toEqual(Array.from({ length: runs }, () => [200, 201]))
    const { friendships } = await stateOf(all)
    expect(friendships).toHaveLength(runs)
    expect(friendships.every((row) => row.status === 'accepted')).toBe(true)
  })

  it('a block racing a request leaves the block and no friendship or request, 20 times over', async () => {
    const all = await pairs(20)
    const one = friendRoutes(first.call)
    const other = friendRoutes(second.call)
    for (const [a, b] of all) {
      await one.request(a, b.id)
      // B accepts while A blocks, and A asks again at the same time: the block must end whatever lands.
      const answers = await Promise.all([one.block(a, b.id), other.accept(b, a.id), other.request(b, a.id)])
      expect(answers[0].status).toBe(204)
      for (const answer of answers) expect(answer.status).toBeLessThan(500)
    }
    const { friendships, blocks } = await stateOf(all)
    expect(friendships).toEqual([])
    expect(blocks).toHaveLength(all.length)
  })
})
