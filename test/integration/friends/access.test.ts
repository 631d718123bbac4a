import { randomUUID } from 'node:crypto'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { httpRoutes } from '../../../infra/routes.ts'
import { closeMongo } from '../../../lib/stores/mongo.ts'
import { closePostgres, postgresClient } from '../../../lib/stores/postgres.ts'
import { type Call, friendRoutes, friendsApi, type Person, people } from './api.ts'

type RouteName = 'request' | 'accept' | 'decline' | 'remove' | 'block' | 'unblock'
const routeNames: RouteName[] = ['request', 'accept', 'decline', 'remove', 'block', 'unblock']

/** How the other user stands to the caller before the call. */
type Relation =
  | 'stranger'
  | 'askedByOther'
  | 'askedByCaller'
  | 'friend'
  | 'blockedByOther'
  | 'blockedByCaller'
  | 'disabledOther'

/** A status, or `missing`: exactly the answer (status and body) the route gives for an id no user has. */
const expected: Record<Relation, Record<RouteName, number | 'missing'>> = {
  stranger: { request: 201, accept: 404, decline: 404, remove: 404, block: 204, unblock: 404 },
  askedByOther: { request: 200, accept: 200, decline: 204, remove: 409, block: 204, unblock: 404 },
  askedByCaller: { request: 200, accept: 404, decline: 404, remove: 204, block: 204, unblock: 404 },
  friend: { request: 409, accept: 200, decline: 404, remove: 204, block: 204, unblock: 404 },
  blockedByOther: {
    request: 'missing',
    accept: 'missing',
    decline: 'missing',
    remove: 'missing',
    block: 'missing',
    unblock: 'missing',
  },
  blockedByCaller: { request: 409, accept: 404, decline: 404, remove: 404, block: 204, unblock: 204 },
  disabledOther: {
    request: 'missing',
    accept: 'missing',
    decline: 'missing',
    remove: 'missing',
    block: 'missing',
    unblock: 'missing',
  },
}
const relations = Object.keys(expected) as Relation[]

let call: Call
let friends: ReturnType<typeof friendRoutes>
let pool: Person[]
const take = () => {
  const person = pool.pop()
  if (!person) throw new Error('the pool of test users ran out')
  return person
}

beforeAll(async () => {
  call = friendsApi()
  friends = friendRoutes(call)
  pool = await people(call, relations.length * routeNames.length * 2 + routeNames.length + 8, 'acc')
})
afterAll(async () => {
  await Promise.all([closePostgres(), closeMongo()])
})

async function arrange(relation: Relation, caller: Person, other: Person): Promise<void> {
  const sql = await postgresClient()
  if (relation === 'askedByOther') await friends.request(other, caller.id)
  if (relation === 'askedByCaller' || relation === 'friend') await friends.request(caller, other.id)
  if (relation === 'friend') await friends.accept(other, caller.id)
  if (relation === 'blockedByOther') await friends.block(other, caller.id)
  if (relation === 'blockedByCaller') await friends.block(caller, other.id)
  if (relation === 'disabledOther') await sql`update users set status = 'disabled' where id = ${other.id}`
}

describe('the authorisation matrix: each route against each relation', () => {
  const missing = new Map<RouteName, { status: number; body: unknown }>()
  beforeAll(async () => {
    for (const name of routeNames) {
      const answer = await friends[name](take(), randomUUID())
      missing.set(name, { status: answer.status, body: answer.body })
    }
  })

  it('answers a nonexistent user with 404 problem documents', () => {
    for (const [, answer] of missing)
      expect(answer).toMatchObject({ status: 404, body: { code: 'not_found' } })
  })

  it.each(relations)('%s', async (relation) => {
    const answers = await Promise.all(
      routeNames.map(async (name) => {
        const [caller, other] = [take(), take()]
        await arrange(relation, caller, other)
        const answer = await friends[name](caller, other.id)
        return { name, status: answer.status, body: answer.body as unknown }
      }),
    )
    for (const { name, status, body } of answers) {
      const want = expected[relation][name]
      if (want === 'missing') expect({ status, body }, name).toEqual(missing.get(name))
      else expect(status, `${name}: ${JSON.stringify(body)}`).toBe(want)
    }
  })

  it('refuses every route on the caller’s own id with 400', async () => {
    const me = take()
    for (const name of routeNames) {
      const answer = await friends[name](me, me.id)
      expect(answer.status, name).toBe(400)
      expect(answer.body).toMatchObject({ code: 'invalid_request', errors: [{ path: 'path.userId' }] })
    }
  })

  it('answers a disabled caller, and one with no token, 401 on every route', async () => {
    const [disabled, other] = [take(), take()]
    const sql = await postgresClient()
    await sql`update users set status = 'disabled' where id = ${disabled.id}`
    const anonymous = { ...disabled, token: '' }
    for (const caller of [disabled, anonymous]) {
      for (const name of routeNames) expect((await friends[name](caller, other.id)).status, name).toBe(401)
      expect((await friends.friends(caller)).status).toBe(401)
      expect((await friends.requests(caller, 'incoming')).status).toBe(401)
    }
  })
})

describe('random input', () => {
  const friendsRoutes = httpRoutes.filter((route) => route.function === 'friends')
  const anyText = fc.string({ maxLength: 60, unit: 'binary' })

  it('never gets a 5xx from any friends route, and every error is a problem document', async () => {
    const callers = [take(), take(), take(), take()]
    const known = callers.flatMap((person) => [person.id, person.id.toUpperCase()])
    const pathId = fc.oneof(
      fc.constantFrom(...known),
      fc.uuid(),
      fc.constantFrom('requests', '..', '%00', '00000000-0000-0000-0000-000000000000', ' '),
      fc.string({ minLength: 1, maxLength: 40, unit: 'binary' }),
    )
    const query = fc.oneof(
      fc.dictionary(fc.constantFrom('direction', 'cursor', 'limit', '$gt', 'x'), anyText, { maxKeys: 3 }),
      fc.record(
        {
          direction: fc.constantFrom('incoming', 'outgoing', 'sideways'),
          limit: fc.integer({ min: -5, max: 150 }).map(String),
          cursor: fc.oneof(
            fc.base64String({ maxLength: 80 }),
            // Well-formed cursors from anywhere in time, which must reach the query without breaking it.
            fc
              .record({ at: fc.stringMatching(/^-?\d{1,16}$/), id: fc.uuid() })
              .map((cursor) => Buffer.from(JSON.stringify(cursor)).toString('base64url')),
          ),
        },
        { requiredKeys: [] },
      ),
    )
    const body = fc.oneof(fc.constant(undefined), fc.jsonValue({ maxDepth: 2 }))
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...friendsRoutes),
        pathId,
        query,
        body,
        fc.nat({ max: callers.length }),
        async (route, id, params, payload, who) => {
          const path = route.path.replace('{userId}', encodeURIComponent(id))
          const search = new URLSearchParams(params).toString()
          const caller = callers[who]
          const response = await call({
            method: route.method,
            path: search ? `${path}?${search}` : path,
            body: payload,
            ...(caller ? { token: caller.token } : {}),
          })
          expect(response.status, `${route.method} ${path}?${search}`).toBeLessThan(500)
          if (response.status >= 400) {
            expect(response.headers['content-type']).toBe('application/problem+json')
            expect(response.body.status).toBe(response.status)
          }
        },
      ),
      { numRuns: 300 },
    )
  }, 30_000)
})
