import { readFile } from 'node:fs/promises'
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda'
import { afterAll, describe, expect, it } from 'vitest'
import { handler } from '../../../functions/http/friends.ts'
import { httpRoutes } from '../../../infra/routes.ts'
import type { UserEvent } from '../../../lib/events/user-events.ts'
import { closeMongo, mongoDb } from '../../../lib/stores/mongo.ts'
import { closePostgres } from '../../../lib/stores/postgres.ts'
import { deployedDeps, friendRoutes, friendsApi, type Person, people, userEvents } from './api.ts'

/** A sample event, cloned per use, with its `${ACCESS_TOKEN}` and `${FRIEND_ID}` placeholders filled. */
async function sample(name: string, accessToken: string, friendId: string): Promise<APIGatewayProxyEventV2> {
  const text = await readFile(new URL(`../../../events/http/${name}.json`, import.meta.url), 'utf8')
  return JSON.parse(
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the placeholders are written literally in the files.
    text.replaceAll('${ACCESS_TOKEN}', accessToken).replaceAll('${FRIEND_ID}', friendId),
  )
}

afterAll(async () => {
  await Promise.all([closePostgres(), closeMongo()])
})

describe('the friends sample events', () => {
  it('name routes of the friends function', async () => {
    const keys = new Set(
      httpRoutes.filter((r) => r.function === 'friends').map((r) => `${r.method} ${r.path}`),
    )
    for (const name of ['friends-request', 'friends-accept']) {
      const event = await sample(name, '', '')
      expect(keys.has(event.routeKey), name).toBe(true)
      expect(event.requestContext.routeKey).toBe(event.routeKey)
    }
  })

  it('send and accept a request through the deployed handler, which records both events', async () => {
    const [a, b] = (await people(friendsApi(), 2, 'sample')) as [Person, Person]
    const context = {} as Context
    const sent = await handler(await sample('friends-request', a.token, b.id), context)
    expect(sent.statusCode).toBe(201)
    const accepted = await handler(await sample('friends-accept', b.token, a.id), context)
    expect(accepted.statusCode).toBe(200)
    expect(JSON.parse(accepted.body ?? '{}')).toMatchObject({ status: 'accepted', user: { id: a.id } })
    const db = await mongoDb()
    expect((await userEvents(db, b.id)).map((event) => event.type)).toEqual(['friend.request'])
    expect((await userEvents(db, a.id)).map((event) => event.type)).toEqual(['friend.accepted'])
  })
})

describe('the user-event sink', () => {
  it('is the one the handler is given, and one that fails loses the event but not the change', async () => {
    const delivered: UserEvent[] = []
    const sink = async (event: UserEvent) => {
      delivered.push(event)
      if (event.type === 'friend.accepted') throw new Error('delivery is down')
    }
    const call = friendsApi({ ...deployedDeps(), userEvents: sink })
    const friends = friendRoutes(call)
    const [a, b] = (await people(call, 2, 'sink')) as [Person, Person]
    expect((await friends.request(a, b.id)).status).toBe(201)
    expect((await friends.accept(b, a.id)).status).toBe(200)
    expect(delivered).toEqual([
      {
        type: 'friend.request',
        userId: b.id,
        from: expect.objectContaining({ id: a.id }),
        at: expect.any(String),
        cursor: expect.any(String),
      },
      {
        type: 'friend.accepted',
        userId: a.id,
        from: expect.objectContaining({ id: b.id }),
        at: expect.any(String),
        cursor: expect.any(String),
      },
    ])
    expect((await friends.friends(a)).body.items.map((item) => item.user.id)).toEqual([b.id])
  })
})
