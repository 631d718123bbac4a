// Files through the local gateway and the real route table: presign, upload to S3, fetch through GET /uploads/{key+}.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { realRoutes } from '../../../infra/local/gateway/table.ts'
import { type LocalRuntime, startLocalRuntime } from '../../../infra/local/runtime.ts'
import { messageId, messagesOf } from '../../../lib/messages/store.ts'
import { mongoDb } from '../../../lib/stores/mongo.ts'
import { postgresClient } from '../../../lib/stores/postgres.ts'
import type { PresignedDownload } from '../../../lib/uploads/download.ts'
import type { PresignedUpload } from '../../../lib/uploads/presign.ts'
import { newUser } from '../../integration/identity/api.ts'
import { pngBytes, postFile } from '../../integration/uploads/api.ts'
import { signUpVerified } from '../accounts.ts'

let runtime: LocalRuntime

interface Someone {
  id: string
  token: string
}

async function signUp(prefix: string): Promise<Someone> {
  const session = await signUpVerified(runtime.httpUrl, newUser(prefix))
  return { id: session.user.id, token: session.accessToken }
}

const api = (who: Someone, path: string, body?: unknown) =>
  fetch(`${runtime.httpUrl}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${who.token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })

beforeAll(async () => {
  // No queue poller: this file must not consume the notification jobs other test files queue.
  runtime = await startLocalRuntime({
    routes: { ...realRoutes, queueConsumers: [], schedules: [] },
    env: { ...process.env },
    httpPort: 0,
    wsPort: 0,
  })
})
afterAll(async () => {
  await runtime?.stop()
})

describe('uploads through the local gateway', () => {
  it('lets the owner and a conversation member fetch an uploaded file, and answers a stranger 404', async () => {
    const [owner, member, stranger] = await Promise.all([
      signUp('e2eowner'),
      signUp('e2emember'),
      signUp('e2eother'),
    ])
    const bytes = pngBytes(512)

    const presigned = await api(owner, '/uploads', {
      fileName: 'Whiteboard photo.png',
      contentType: 'image/png',
      size: bytes.length,
    })
    expect(presigned.status).toBe(200)
    const upload = (await presigned.json()) as PresignedUpload
    expect((await postFile(upload, bytes, 'image/png')).status).toBe(204)

    // What a sent message leaves behind: the conversation, its members, and the message holding the file.
    const sql = await postgresClient()
    const [conversation] = await sql<{ id: string }[]>`
      insert into conversations (type, name, owner_id) values ('group', 'e2e', ${owner.id}) returning id`
    for (const who of [owner, member]) {
      await sql`insert into conversation_members (conversation_id, user_id) values (${conversation!.id}, ${who.id})`
    }
    await sql`insert into message_attachments (upload_key, conversation_id) values (${upload.key}, ${conversation!.id})`
    await messagesOf(await mongoDb()).insertOne({
      _id: messageId(conversation!.id, 1),
      conversationId: conversation!.id,
      seq: 1,
      senderId: owner.id,
      clientMsgId: randomUUID(),
      body: '',
      attachments: [{ key: upload.key, name: 'Whiteboard photo.png', contentType: 'image/png', size: 512 }],
      createdAt: new Date(),
    })

    for (const who of [owner, member]) {
      const response = await api(who, `/uploads/${upload.key}`)
      expect(response.status).toBe(200)
      const { url } = (await response.json()) as PresignedDownload
      const file = await fetch(url)
      expect(Buffer.from(await file.arrayBuffer())).toEqual(bytes)
    }
    const refused = await api(stranger, `/uploads/${upload.key}`)
    expect(refused.status).toBe(404)
    expect(refused.headers.get('content-type')).toBe('application/problem+json')
  })
})
