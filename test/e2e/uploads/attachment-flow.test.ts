// The whole file flow through the local gateway: presign, upload, send as an attachment over WebSocket, fetch.
import { randomBytes, randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { realRoutes } from '../../../infra/local/gateway/table.ts'
import { type LocalRuntime, startLocalRuntime } from '../../../infra/local/runtime.ts'
import { collections } from '../../../lib/migrations/mongo.ts'
import { mongoDb } from '../../../lib/stores/mongo.ts'
import type { PresignedDownload } from '../../../lib/uploads/download.ts'
import type { PresignedUpload } from '../../../lib/uploads/presign.ts'
import { befriend, type Person, person } from '../../integration/realtime/people.ts'
import { pinnedFrom, pngBytes, postFile } from '../../integration/uploads/api.ts'
import { connect, type Device, type Frame } from '../realtime/sockets.ts'

let runtime: LocalRuntime
const open: Device[] = []

beforeAll(async () => {
  // No queue poller: this file must not consume the notification jobs other files queue.
  runtime = await startLocalRuntime({
    routes: { ...realRoutes, queueConsumers: [], schedules: [] },
    env: { ...process.env, STAGE: `attachments-${randomBytes(4).toString('hex')}` },
    httpPort: 0,
    wsPort: 0,
  })
})
afterAll(async () => {
  await Promise.all(open.map((device) => device.close()))
  await runtime?.stop()
})

const api = (who: Person, path: string, body?: unknown) =>
  fetch(`${runtime.httpUrl}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${who.token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })

async function uploadPng(owner: Person, bytes: Buffer): Promise<string> {
  const presigned = await api(owner, '/uploads', {
    fileName: 'Plan.png',
    contentType: 'image/png',
    size: bytes.length,
  })
  expect(presigned.status).toBe(200)
  const upload = (await presigned.json()) as PresignedUpload
  expect((await postFile(upload, bytes, 'image/png')).status).toBe(204)
  return upload.key
}

const ofType = (type: string) => (frame: Frame) => frame.type === type

describe('an attachment through the local gateway', () => {
  it('reaches the recipient, who can fetch the file; a stranger gets 404', async () => {
    const [alice, bob, stranger] = [await person(), await person(), await person()]
    await befriend(alice, bob)
    const bytes = pngBytes(700)
    const key = await uploadPng(alice, bytes)
    const [alicePhone, bobPhone] = [
      await connect(runtime.wsUrl, alice.token),
      await connect(runtime.wsUrl, bob.token),
    ]
    open.push(alicePhone, bobPhone)

    alicePhone.socket.send(
      JSON.stringify({
        action: 'sendMessage',
        toUserId: bob.id,
        clientMsgId: randomUUID(),
        body: 'the plan',
        attachments: [{ key }],
      }),
    )
    const ack = await alicePhone.next(ofType('message.ack'))
    const expected = {
      key: expect.stringMatching(pinnedFrom(key)),
      name: 'Plan.png',
      contentType: 'image/png',
      size: bytes.length,
    }
    expect(ack).toMatchObject({ message: { attachments: [expected] } })
    const delivered = await bobPhone.next(ofType('message.new'))
    expect(delivered).toMatchObject({ message: { attachments: [expected] } })
    const attached = (delivered.message as { attachments: { key: string }[] }).attachments[0]?.key

    const fetched = await api(bob, `/uploads/${attached}`)
    expect(fetched.status).toBe(200)
    const { url } = (await fetched.json()) as PresignedDownload
    expect(Buffer.from(await (await fetch(url)).arrayBuffer())).toEqual(bytes)
    expect((await api(stranger, `/uploads/${attached}`)).status).toBe(404)
  })

  it('refuses another user’s key or one never uploaded with an error frame, and stores nothing', async () => {
    const [alice, bob] = [await person(), await person()]
    await befriend(alice, bob)
    const bobsKey = await uploadPng(bob, pngBytes(200))
    const alicePhone = await connect(runtime.wsUrl, alice.token)
    open.push(alicePhone)
    const never = `uploads/${alice.id}/${randomUUID()}/ghost.png`

    for (const key of [bobsKey, never]) {
      const clientMsgId = randomUUID()
      alicePhone.socket.send(
        JSON.stringify({
          action: 'sendMessage',
          toUserId: bob.id,
          clientMsgId,
          body: 'x',
          attachments: [{ key }],
        }),
      )
      expect(await alicePhone.next(ofType('error'))).toMatchObject({
        type: 'error',
        clientMsgId,
        action: 'sendMessage',
      })
    }
    const stored = await (await mongoDb())
      .collection(collections.messages)
      .countDocuments({ senderId: alice.id })
    expect(stored).toBe(0)
  })
})
