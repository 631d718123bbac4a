// POST /uploads: what the signed policy pins (s3rver does not enforce it, so it is decoded here), and real uploads.
import { GetObjectCommand } from '@aws-sdk/client-s3'
import type { Db } from 'mongodb'
import { beforeAll, describe, expect, it } from 'vitest'
import { uploadsBucket } from '../../../infra/resources.ts'
import type { AuditDocument } from '../../../lib/audit/log.ts'
import { config } from '../../../lib/config.ts'
import { collections } from '../../../lib/migrations/mongo.ts'
import { mongoDb } from '../../../lib/stores/mongo.ts'
import { s3Client } from '../../../lib/stores/s3.ts'
import { allowedContentTypes } from '../../../lib/uploads/content-types.ts'
import { parseUploadKey } from '../../../lib/uploads/keys.ts'
import type { PresignedUpload } from '../../../lib/uploads/presign.ts'
import { type Call, filesApi, type Person, person, pngBytes, postFile, presign } from './api.ts'

let call: Call
let ada: Person
let db: Db

beforeAll(async () => {
  call = filesApi()
  ada = await person(call, 'uploader')
  db = await mongoDb()
})

type Condition = Record<string, string> | [string, string | number, string | number]

function policyOf(upload: PresignedUpload): { expiration: string; conditions: Condition[] } {
  return JSON.parse(Buffer.from(upload.fields.Policy ?? '', 'base64').toString('utf8'))
}

describe('POST /uploads', () => {
  it.for(allowedContentTypes)(
    'signs a policy pinning exact key, type %s and size, expiring within 5 minutes',
    async (contentType, { expect }) => {
      const before = Date.now()
      const upload = await presign(call, ada, { fileName: 'Résumé 2026 (v2).docx', contentType, size: 1234 })
      const { expiration, conditions } = policyOf(upload)

      expect(parseUploadKey(upload.key)).toEqual({ ownerId: ada.id, name: 'Resume_2026_v2_.docx' })
      expect(upload.fields.key).toBe(upload.key)
      expect(conditions).toContainEqual({ key: upload.key })
      expect(conditions).toContainEqual(['eq', '$key', upload.key])
      expect(conditions).toContainEqual({ 'Content-Type': contentType })
      expect(conditions).toContainEqual(['eq', '$Content-Type', contentType])
      expect(conditions).toContainEqual(['content-length-range', 1234, 1234])
      expect(conditions.filter((c) => Array.isArray(c) && c[0] === 'starts-with')).toEqual([])
      const tagging = `<Tagging><TagSet><Tag><Key>${uploadsBucket.pendingTag.key}</Key><Value>${uploadsBucket.pendingTag.value}</Value></Tag></TagSet></Tagging>`
      expect(conditions).toContainEqual({ tagging })
      expect(conditions).toContainEqual({
        'x-amz-meta-original-name': encodeURIComponent('Résumé 2026 (v2).docx'),
      })
      expect(conditions).toContainEqual({ bucket: config().UPLOADS_BUCKET })

      const expires = Date.parse(expiration)
      expect(expires - before).toBeLessThanOrEqual(300_000 + 1000)
      expect(expires).toBeGreaterThan(Date.now() + 250_000)
      expect(Math.abs(Date.parse(upload.expiresAt) - expires)).toBeLessThan(2000)
    },
  )

  it('gives every request a fresh key under the caller prefix', async () => {
    const file = { fileName: '../../etc/passwd', contentType: 'text/plain', size: 10 }
    const [first, second] = await Promise.all([presign(call, ada, file), presign(call, ada, file)])
    expect(first.key).not.toBe(second.key)
    expect(first.key).toMatch(new RegExp(`^uploads/${ada.id}/[0-9a-f-]{36}/passwd$`))
  })

  it('refuses a type off the allowlist with 415, and a size over the maximum with 413', async () => {
    const svg = await call({
      method: 'POST',
      path: '/uploads',
      token: ada.token,
      body: { fileName: 'x.svg', contentType: 'image/svg+xml', size: 10 },
    })
    expect(svg.status).toBe(415)
    expect(svg.body).toMatchObject({ code: 'unsupported_media_type' })
    const huge = await call({
      method: 'POST',
      path: '/uploads',
      token: ada.token,
      body: { fileName: 'x.png', contentType: 'image/png', size: config().UPLOAD_MAX_BYTES + 1 },
    })
    expect(huge.status).toBe(413)
    expect(huge.body).toMatchObject({ code: 'payload_too_large' })
  })

  it.for([
    ['an empty file', { fileName: 'x.png', contentType: 'image/png', size: 0 }],
    ['a fractional size', { fileName: 'x.png', contentType: 'image/png', size: 1.5 }],
    ['an unknown field', { fileName: 'x.png', contentType: 'image/png', size: 1, key: 'uploads/x' }],
    ['a control character in the name', { fileName: 'a\u202Egnp.exe', contentType: 'image/png', size: 1 }],
    ['a name of 201 characters', { fileName: `${'a'.repeat(197)}.png`, contentType: 'image/png', size: 1 }],
  ] as const)('answers 400 for %s', async ([, body], { expect }) => {
    const response = await call({ method: 'POST', path: '/uploads', token: ada.token, body })
    expect(response.status).toBe(400)
  })

  it('answers 401 without a token', async () => {
    const response = await call({
      method: 'POST',
      path: '/uploads',
      body: { fileName: 'x.png', contentType: 'image/png', size: 1 },
    })
    expect(response.status).toBe(401)
  })

  it('returns a url and fields that upload the file to the local S3, name and type kept', async () => {
    const bytes = pngBytes(300)
    const upload = await presign(call, ada, {
      fileName: 'Café menu.png',
      contentType: 'image/png',
      size: 300,
    })
    const response = await postFile(upload, bytes, 'image/png')
    expect(response.status).toBe(204)

    const object = await s3Client().send(
      new GetObjectCommand({ Bucket: config().UPLOADS_BUCKET, Key: upload.key }),
    )
    expect(object.ContentType).toBe('image/png')
    expect(object.Metadata?.['original-name']).toBe(encodeURIComponent('Café menu.png'))
    expect(Buffer.from(await object.Body!.transformToByteArray())).toEqual(bytes)
  })

  it('writes an audit entry naming the key, type and size', async () => {
    const upload = await presign(call, ada, { fileName: 'notes.txt', contentType: 'text/plain', size: 42 })
    const entry = await db
      .collection<AuditDocument>(collections.auditLog)
      .findOne({ action: 'upload.presign', targetId: upload.key })
    expect(entry).toMatchObject({
      actorId: ada.id,
      outcome: 'success',
      details: { contentType: 'text/plain', size: 42 },
    })
  })
})
