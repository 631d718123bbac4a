// Web Push through the local runtime: an offline user's browser gets one decryptable push per message, and no one else.
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type LocalRuntime, startLocalRuntime } from '../../../infra/local/runtime.ts'
import { postgresClient } from '../../../lib/stores/postgres.ts'
import { befriend, type Person, person } from '../../integration/realtime/people.ts'
import { type PushBrowser, pushesTaken, revoke, subscribedBrowser } from './browser.ts'

let runtime: LocalRuntime
const standIn = process.env.PUSH_SERVICE_STAND_IN_URL as string

beforeAll(async () => {
  runtime = await startLocalRuntime({
    env: {
      ...process.env,
      STAGE: `push-${randomBytes(4).toString('hex')}`,
      // A wildcard origin under .invalid, which never resolves (RFC 6761): an allowlisted but unknown host.
      PUSH_ENDPOINT_ALLOWLIST: `${process.env.PUSH_ENDPOINT_ALLOWLIST},https://*.push.invalid`,
    },
    httpPort: 0,
    wsPort: 0,
  })
})
afterAll(async () => {
  await runtime?.stop()
})

const call = (user: Person, method: string, path: string, body?: unknown) =>
  fetch(`${runtime.httpUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })

async function subscribe(user: Person, browser: PushBrowser): Promise<string> {
  const response = await call(user, 'POST', '/push/subscriptions', browser.subscription)
  expect(response.status).toBe(201)
  return ((await response.json()) as { id: string }).id
}

async function directBetween(a: Person, b: Person): Promise<string> {
  await befriend(a, b)
  const response = await call(a, 'POST', '/conversations', { type: 'direct', userId: b.id })
  return ((await response.json()) as { id: string }).id
}

async function send(from: Person, conversationId: string, body: string): Promise<number> {
  const response = await call(from, 'POST', `/conversations/${conversationId}/messages`, {
    clientMsgId: randomBytes(6).toString('hex'),
    body,
  })
  expect(response.status).toBe(201)
  return ((await response.json()) as { message: { seq: number } }).message.seq
}

/** Polls until `ready` holds: the push crosses the queue, the worker and the stand-in; the test timeout bounds it. */
async function until<T>(read: () => Promise<T>, ready: (value: T) => boolean): Promise<T> {
  for (;;) {
    const value = await read()
    if (ready(value)) return value
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

const inboxSize = async (user: Person) =>
  ((await (await call(user, 'GET', '/notifications')).json()) as { items: unknown[] }).items.length

describe('Web Push to an offline user', () => {
  it('hands out the VAPID public key browsers subscribe with', async () => {
    const response = await call(await person(), 'GET', '/push/key')
    expect(response.status).toBe(200)
    const { publicKey } = (await response.json()) as { publicKey: string }
    expect(Buffer.from(publicKey, 'base64url')).toHaveLength(65)
  })

  it('gets one decryptable push per message, without the body unless they asked; the sender gets none', async () => {
    const [alice, bob] = [await person(), await person()]
    const conversationId = await directBetween(alice, bob)
    const [bobsBrowser, alicesBrowser] = [await subscribedBrowser(standIn), await subscribedBrowser(standIn)]
    await subscribe(bob, bobsBrowser)
    await subscribe(alice, alicesBrowser)

    const seqs = [
      await send(alice, conversationId, 'first secret'),
      await send(alice, conversationId, 'second'),
    ]
    const pushes = await until(
      () => pushesTaken(bobsBrowser),
      (taken) => taken.length >= 2,
    )
    // Both jobs are done once both inbox entries are written; nothing more comes after that.
    await until(
      () => inboxSize(bob),
      (size) => size >= 2,
    )
    expect(await pushesTaken(bobsBrowser)).toHaveLength(2)
    const payloads = pushes.map((push) => bobsBrowser.decrypt(Buffer.from(push.body, 'base64')))
    expect(payloads.sort((a, b) => (a as { seq: number }).seq - (b as { seq: number }).seq)).toEqual(
      seqs.map((seq) => ({
        type: 'message.new',
        conversationId,
        seq,
        messageId: `${conversationId}:${seq}`,
        senderId: alice.id,
      })),
    )
    expect(pushes[0]).toMatchObject({ ttl: 86_400, urgency: 'high' })
    expect(await pushesTaken(alicesBrowser)).toEqual([])

    expect((await call(bob, 'PUT', '/push/settings', { showPreview: true })).status).toBe(200)
    await send(alice, conversationId, 'now with a preview')
    const withPreview = await until(
      () => pushesTaken(bobsBrowser),
      (taken) => taken.length >= 3,
    )
    expect(bobsBrowser.decrypt(Buffer.from(withPreview[2]?.body ?? '', 'base64'))).toMatchObject({
      preview: 'now with a preview',
    })
  })

  it('loses the subscription whose push service answers 410', async () => {
    const [alice, bob] = [await person(), await person()]
    const conversationId = await directBetween(alice, bob)
    const browser = await subscribedBrowser(standIn)
    const id = await subscribe(bob, browser)
    await revoke(browser)
    await send(alice, conversationId, 'anyone there?')
    const sql = await postgresClient()
    const left = await until(
      async () => (await sql`select 1 from push_subscriptions where id = ${id}`).length,
      (count) => count === 0,
    )
    expect(left).toBe(0)
    expect((await call(bob, 'DELETE', `/push/subscriptions/${id}`)).status).toBe(404)
  })

  it('lets the owner remove a subscription, and no one else', async () => {
    const [owner, stranger] = [await person(), await person()]
    const id = await subscribe(owner, await subscribedBrowser(standIn))
    expect((await call(stranger, 'DELETE', `/push/subscriptions/${id}`)).status).toBe(404)
    expect((await call(owner, 'DELETE', `/push/subscriptions/${id}`)).status).toBe(204)
    expect((await call(owner, 'DELETE', `/push/subscriptions/${id}`)).status).toBe(404)
  })

  it.each([
    ['loopback not on the allowlist', 'http://127.0.0.1:9/push/x', /not https/],
    ['loopback over https', 'https://127.0.0.1/push/x', /not a known push service/],
    ['http to a push service', 'http://fcm.googleapis.com/fcm/send/x', /not https/],
    ['an unknown host', 'https://nowhere.push.invalid/push/x', /does not resolve/],
    ['the metadata service', 'http://169.254.169.254/latest/meta-data', /not https/],
  ])('refuses an endpoint on %s with 400', async (_what, endpoint, reason) => {
    const user = await person()
    const { subscription } = await subscribedBrowser(standIn)
    const response = await call(user, 'POST', '/push/subscriptions', { ...subscription, endpoint })
    expect(response.status).toBe(400)
    expect(JSON.stringify(await response.json())).toMatch(reason)
  })
})
