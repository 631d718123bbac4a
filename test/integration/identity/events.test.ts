import { readFile } from 'node:fs/promises'
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAuthHandler } from '../../../functions/http/auth.ts'
import { createUsersHandler } from '../../../functions/http/users.ts'
import { httpRoutes } from '../../../infra/routes.ts'
import { mongoStoreDeps } from '../../../lib/http/mongo-deps.ts'
import { closeMongo } from '../../../lib/stores/mongo.ts'
import { closePostgres, postgresClient } from '../../../lib/stores/postgres.ts'
import { identityApi } from './api.ts'

/** A sample event, cloned per use; `${ACCESS_TOKEN}` stands for a token the sample login returns. */
async function sample(name: string, accessToken = ''): Promise<APIGatewayProxyEventV2> {
  const text = await readFile(new URL(`../../../events/http/${name}.json`, import.meta.url), 'utf8')
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the placeholder is written literally in the event file.
  return JSON.parse(text.replaceAll('${ACCESS_TOKEN}', accessToken))
}

const context = {} as Context

beforeAll(async () => {
  await identityApi()
  const sql = await postgresClient()
  await sql`delete from users where lower(username) = 'ada_lovelace' or lower(email) = 'ada@example.com'`
})
afterAll(async () => {
  await Promise.all([closePostgres(), closeMongo()])
})

describe('the sample events in events/http', () => {
  it('name routes that exist in the route table', async () => {
    const keys = new Set(httpRoutes.map((route) => `${route.method} ${route.path}`))
    for (const name of ['auth-signup', 'auth-login', 'users-me']) {
      const event = await sample(name)
      expect(keys.has(event.routeKey), name).toBe(true)
      expect(event.requestContext.routeKey).toBe(event.routeKey)
    }
  })

  it('sign up, log in and read /users/me when run in that order', async () => {
    const auth = createAuthHandler(mongoStoreDeps)
    const users = createUsersHandler(mongoStoreDeps)
    expect((await auth(await sample('auth-signup'), context)).statusCode).toBe(202)
    const login = await auth(await sample('auth-login'), context)
    expect(login.statusCode).toBe(200)
    const { accessToken } = JSON.parse(login.body ?? '{}') as { accessToken: string }
    const me = await users(await sample('users-me', accessToken), context)
    expect(me.statusCode).toBe(200)
    expect(JSON.parse(me.body ?? '{}')).toMatchObject({ username: 'ada_lovelace', email: 'ada@example.com' })
    expect((await users(await sample('users-me'), context)).statusCode).toBe(401)
  })
})
