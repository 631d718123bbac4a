import { afterAll, beforeAll, expect, it } from 'vitest'

// The logger reads its level when lib/log.ts is first imported, so the level is set before anything imports it.
process.env.POWERTOOLS_LOG_LEVEL = 'INFO'
const { identityApi, newUser, signUp } = await import('./api.ts')
const { linkToken, mailTo } = await import('../../mailbox.ts')
const { closeMongo } = await import('../../../lib/stores/mongo.ts')
const { closePostgres } = await import('../../../lib/stores/postgres.ts')

const lines: string[] = []
const write = process.stdout.write

beforeAll(() => {
  process.stdout.write = ((chunk: string | Uint8Array) => {
    lines.push(String(chunk))
    return true
  }) as typeof process.stdout.write
})
afterAll(async () => {
  process.stdout.write = write
  await Promise.all([closePostgres(), closeMongo()])
})

it('logs each request as one JSON line with its request id, never a password or token', async () => {
  const call = await identityApi()
  const user = await signUp(call, newUser('logged'))
  await call({ method: 'POST', path: '/auth/login', body: { login: user.username, password: user.password } })
  await call({ method: 'GET', path: '/users/me', token: user.session.accessToken })
  await call({ method: 'GET', path: '/users/me', token: `${user.session.accessToken}x` })

  const records = lines
    .flatMap((chunk) => chunk.split('\n').filter(Boolean))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
  const requests = records.filter((record) => record.message === 'request')
  expect(requests.map((record) => [record.route, record.status])).toEqual([
    ['POST /auth/signup', 202],
    ['POST /auth/verify-email', 204],
    ['POST /auth/login', 200],
    ['POST /auth/login', 200],
    ['GET /users/me', 200],
    ['GET /users/me', 401],
  ])
  for (const record of requests)
    expect(record).toMatchObject({ correlation_id: expect.stringMatching(/=$/), level: 'INFO' })
  expect(requests[4]).toMatchObject({ userId: user.session.user.id })
  expect(records.some((record) => record.message === 'authentication refused')).toBe(true)
  const everything = lines.join('')
  const mailed = linkToken((await mailTo(user.email.toLowerCase()))[0]!, '/verify-email')
  for (const secret of [user.password, user.session.accessToken, user.session.refreshToken, mailed]) {
    expect(everything).not.toContain(secret)
  }
})
