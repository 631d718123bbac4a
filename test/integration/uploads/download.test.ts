// GET /uploads/{key+}: the owner and members of a conversation holding the file get a presigned GET; others 404.
import { randomUUID } from 'node:crypto'
import type { Db } from 'mongodb'
import { beforeAll, describe, expect, it } from 'vitest'
import type { AuditDocument } from '../../../lib/audit/log.ts'
import { messageId, messagesOf } from '../../../lib/messages/store.ts'
import { collections } from '../../../lib/migrations/mongo.ts'
import { mongoDb } from '../../../lib/stores/mongo.ts'
import { postgresClient, type Sql } from '../../../lib/stores/postgres.ts'
import type { PresignedDownload } from '../../../lib/uploads/download.ts'
import { type Call, filesApi, type Person, person, pngBytes, uploaded } from './api.ts'

let call: Call
let sql: Sql
let db: Db
let owner: Person
let member: Person
let stranger: Person
let otherConversationMember: Person
let key: string
const bytes = pngBytes(96)

/** A group conversation with these members, and a message in it attaching `attached`, written straight to the stores. */
async function conversationHolding(attached: string, members: Person[]): Promise<string> {
  const [conversation] = await sql<{ id: string }[]>`
    insert into conversations (type, name, owner_id) values ('group', 'files', ${members[0]!.id}) returning id`
  const conversationId = conversation!.id
  for (const who of members) {
    await sql`insert into conversation_members (conversation_id, user_id) values (${conversationId}, ${who.id})`
  }
  await sql`insert into message_attachments (upload_key, conversation_id) values (${attached}, ${conversationId})`
  await messagesOf(db).insertOne({
    _id: messageId(conversationId, 1),
    conversationId,
    seq: 1,
    senderId: members[0]!.id,
    clientMsgId: randomUUID(),
    body: 'see attached',
    attachments: [{ key: attached, name: 'Holiday.png', contentType: 'image/png', size: bytes.length }],
    createdAt: new Date(),
  })
  return conversationId
}

const download = (who: Person | undefined, path: string) =>
  call<PresignedDownload>({ method: 'GET', path: `/uploads/${path}`, ...(who ? { token: who.token } : {}) })

beforeAll(async () => {
  call = filesApi()
  sql = await postgresClient()
  db = await mongoDb()
  ;[owner, member, stranger, otherConversationMember] = await Promise.all([
    person(call, 'owner'),
    person(call, 'member'),
    person(call, 'stranger'),
    person(call, 'elsewhere'),
  ])
  key = await uploaded(call, owner, bytes, 'image/png', 'Holiday.png')
  await conversationHolding(key, [owner, member])
  // A conversation that holds a different file: membership there grants nothing for `key`.
  const elsewhere = await uploaded(call, otherConversationMember, pngBytes(), 'image/png')
  await conversationHolding(elsewhere, [otherConversationMember, stranger])
})

describe('GET /uploads/{key+}', () => {
  it('gives the owner a presigned GET of at most 5 minutes that serves the file', async () => {
    const response = await download(owner, key)
    expect(response.status).toBe(200)
    const { url, expiresAt } = response.body
    expect(Date.parse(expiresAt) - Date.now()).toBeLessThanOrEqual(300_000)
    expect(new URL(url).searchParams.get('X-Amz-Expires')).toBe('300')
    const file = await fetch(url)
    expect(file.status).toBe(200)
    expect(file.headers.get('content-type')).toBe('image/png')
    expect(file.headers.get('content-disposition')).toBe(
      `inline; filename="Holiday.png"; filename*=UTF-8''Holiday.png`,
    )
    expect(Buffer.from(await file.arrayBuffer())).toEqual(bytes)
  })

  it('gives a member of a conversation holding the file a presigned GET', async () => {
    const response = await download(member, key)
    expect(response.status).toBe(200)
    expect((await fetch(response.body.url)).status).toBe(200)
  })

  it('answers 404 to a stranger, even one who shares another conversation holding another file', async () => {
    const response = await download(stranger, key)
    expect(response.status).toBe(404)
    expect(response.body).toMatchObject({ code: 'not_found', detail: 'No such upload.' })
  })

  it('answers the owner 404 for a key never uploaded, and anyone 404 for a malformed key', async () => {
    expect((await download(owner, `uploads/${owner.id}/${randomUUID()}/ghost.png`)).status).toBe(404)
    expect((await download(owner, 'uploads/../../etc/passwd')).status).toBe(404)
    expect((await download(owner, `uploads/${owner.id}`)).status).toBe(404)
  })

  it('answers 401 without a token', async () => {
    expect((await download(undefined, key)).status).toBe(401)
  })

  it('audits downloads given and refused', async () => {
    await download(member, key)
    await download(stranger, key)
    const entries = await db
      .collection<AuditDocument>(collections.auditLog)
      .find({ action: 'upload.download', targetId: key })
      .toArray()
    expect(entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ actorId: member.id, outcome: 'success' }),
        expect.objectContaining({ actorId: stranger.id, outcome: 'denied' }),
      ]),
    )
  })
})
