// The friendship rule inlined in the send query agrees with lib/friends' mayMessageDirectly in every case.
import { describe, expect, it } from 'vitest'
import { mayMessage } from '../../../lib/conversations/access.ts'
import { mayMessageDirectly, orderedPair } from '../../../lib/friends/relations.ts'
import { postgresClient } from '../../../lib/stores/postgres.ts'
import { person } from './harness.ts'

type Setup = (sql: Awaited<ReturnType<typeof postgresClient>>, a: string, b: string) => Promise<unknown>

const friends: Setup = (sql, a, b) => {
  const [low, high] = orderedPair(a, b)
  return sql`insert into friendships (user_low, user_high, status, requested_by) values (${low}, ${high}, 'accepted', ${a})`
}

const cases: [string, Setup[]][] = [
  ['friends', [friends]],
  ['strangers', []],
  [
    'a pending request',
    [
      (sql, a, b) => {
        const [low, high] = orderedPair(a, b)
        return sql`insert into friendships (user_low, user_high, status, requested_by) values (${low}, ${high}, 'pending', ${a})`
      },
    ],
  ],
  [
    'friends, the first blocked the second',
    [friends, (sql, a, b) => sql`insert into blocks values (${a}, ${b})`],
  ],
  [
    'friends, the second blocked the first',
    [friends, (sql, a, b) => sql`insert into blocks values (${b}, ${a})`],
  ],
  [
    'friends, the second disabled',
    [friends, (sql, _, b) => sql`update users set status = 'disabled' where id = ${b}`],
  ],
  [
    'friends, the first deleted',
    [friends, (sql, a) => sql`update users set status = 'deleted' where id = ${a}`],
  ],
]

describe('mayMessage (the send query’s rule)', () => {
  it.each(cases)('agrees with mayMessageDirectly for %s, both ways round', async (_, setups) => {
    const sql = await postgresClient()
    const [a, b] = [(await person()).id, (await person()).id]
    for (const setup of setups) await setup(sql, a, b)
    for (const [me, other] of [
      [a, b],
      [b, a],
    ] as const) {
      const [row] = await sql<{ ok: boolean }[]>`select ${mayMessage(sql, me, sql`${other}::uuid`)} as ok`
      expect(row?.ok).toBe(await mayMessageDirectly(sql, me, other))
    }
  })
})
