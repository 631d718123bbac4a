// pushMessage against PostgreSQL and the push-service stand-in: who is pushed, what a push service's answer does,
// and the endpoint check made again at the moment of sending.
import { randomBytes, randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listen, type RunningServer } from '../../../infra/local/gateway/listen.ts'
import { jobIdOf } from '../../../lib/notifications/jobs.ts'
import {
  browserPushServices,
  EndpointRefused,
  endpointPolicy,
  type Resolve,
} from '../../../lib/push/endpoints.ts'
import { vapidKeys } from '../../../lib/push/keys.ts'
import { type MessageJob, pushMessage, type WebPushDeps } from '../../../lib/push/send.ts'
import { registerSubscription } from '../../../lib/push/subscriptions.ts'
import { postPush } from '../../../lib/push/transport.ts'
import { postgresClient } from '../../../lib/stores/postgres.ts'
import { pushesTaken, revoke, subscribedBrowser } from '../../e2e/push/browser.ts'
import { type Person, person } from '../realtime/people.ts'

const standIn = process.env.PUSH_SERVICE_STAND_IN_URL as string
const policy = endpointPolicy([...browserPushServices, standIn])
const deps: WebPushDeps = { sql: postgresClient, keys: vapidKeys, policy: () => policy }

/** A push service that answers every request with `status`, counting them. */
let answering: RunningServer & { status: number; requests: number }
beforeAll(async () => {
  const state = { status: 201, requests: 0 }
  const server = createServer((request, response) => {
    state.requests++
    request.resume()
    response.writeHead(state.status).end()
  })
  answering = Object.assign(state, await listen(server, 0))
})
afterAll(async () => {
  await answering?.close()
})

function jobFor(user: Person, senderId: string = randomUUID()): MessageJob {
  const job = {
    kind: 'message.new' as const,
    userId: user.id,
    at: new Date().toISOString(),
    conversationId: randomUUID(),
    messageId: randomBytes(12).toString('hex'),
    seq: 1,
    senderId,
    preview: 'hello',
  }
  return { ...job, jobId: jobIdOf(job) }
}

async function subscribed(user: Person, endpointPolicy = policy, resolve?: Resolve) {
  const browser = await subscribedBrowser(standIn)
  const ctx = { sql: await postgresClient(), policy: endpointPolicy, resolve }
  const { subscription } = await registerSubscription(ctx, user.id, browser.subscription)
  return { browser, id: subscription.id }
}

const stillThere = async (id: string) =>
  (await (await postgresClient())`select 1 from push_subscriptions where id = ${id}`).length === 1

describe('pushing a message to browsers', () => {
  it('never pushes to the sender of the message', async () => {
    const user = await person()
    const { browser } = await subscribed(user)
    expect(await pushMessage(deps, jobFor(user, user.id))).toEqual({ sent: 0, gone: 0, failed: 0 })
    expect(await pushesTaken(browser)).toEqual([])
  })

  it('pushes once to each of the user’s browsers, and to no one else’s', async () => {
    const [user, other] = [await person(), await person()]
    const [first, second, others] = [await subscribed(user), await subscribed(user), await subscribed(other)]
    expect(await pushMessage(deps, jobFor(user))).toEqual({ sent: 2, gone: 0, failed: 0 })
    expect(await pushesTaken(first.browser)).toHaveLength(1)
    expect(await pushesTaken(second.browser)).toHaveLength(1)
    expect(await pushesTaken(others.browser)).toEqual([])
  })

  it('removes a subscription answered 410 and keeps the user’s others', async () => {
    const user = await person()
    const [gone, kept] = [await subscribed(user), await subscribed(user)]
    await revoke(gone.browser)
    expect(await pushMessage(deps, jobFor(user))).toEqual({ sent: 1, gone: 1, failed: 0 })
    expect(await stillThere(gone.id)).toBe(false)
    expect(await stillThere(kept.id)).toBe(true)
  })

  it.each([
    [404, { sent: 0, gone: 1, failed: 0 }, false],
    [429, { sent: 0, gone: 0, failed: 1 }, true],
    [500, { sent: 0, gone: 0, failed: 1 }, true],
  ])(
    'on a %s answer from the push service, keeps the subscription only when it may work later',
    async (status, outcome, kept) => {
      const origin = `http://127.0.0.1:${answering.port}`
      const local = endpointPolicy([origin])
      const user = await person()
      const browser = await subscribedBrowser(standIn)
      const sql = await postgresClient()
      const { subscription } = await registerSubscription({ sql, policy: local }, user.id, {
        ...browser.subscription,
        endpoint: `${origin}/push/${randomUUID()}`,
      })
      answering.status = status
      expect(await pushMessage({ ...deps, policy: () => local }, jobFor(user))).toEqual(outcome)
      expect(await stillThere(subscription.id)).toBe(kept)
    },
  )
})

describe('the push transport', () => {
  const request = (endpoint: string) => ({
    endpoint,
    method: 'POST',
    headers: { ttl: 60 },
    body: Buffer.from('x'),
  })

  it('connects to the address its own lookup checked, not one the system resolver picks', async () => {
    const exact = endpointPolicy([`http://push.test:${answering.port}`])
    const before = answering.requests
    answering.status = 201
    const status = await postPush(request(`http://push.test:${answering.port}/p`), {
      policy: exact,
      resolve: async () => ['127.0.0.1'],
    })
    expect(status).toBe(201)
    expect(answering.requests).toBe(before + 1)
  })

  it('refuses at send time a name that now resolves to an internal address, before connecting', async () => {
    const wildcard = endpointPolicy([`https://*.push.test:${answering.port}`])
    const before = answering.requests
    await expect(
      postPush(request(`https://fcm.push.test:${answering.port}/p`), {
        policy: wildcard,
        resolve: async () => ['142.250.74.42', '127.0.0.1'],
      }),
    ).rejects.toBeInstanceOf(EndpointRefused)
    expect(answering.requests).toBe(before)
  })

  it('refuses an endpoint whose origin left the allowlist since it was registered', async () => {
    await expect(
      postPush(request(`http://127.0.0.1:${answering.port}/p`), {
        policy: endpointPolicy(browserPushServices),
      }),
    ).rejects.toBeInstanceOf(EndpointRefused)
  })
})
