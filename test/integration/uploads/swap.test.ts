// An attached file is served exactly as it was checked: re-posting the presigned POST afterwards changes nothing served.
import { beforeAll, describe, expect, it } from 'vitest'
import type { Audit } from '../../../lib/audit/log.ts'
import { NotFoundError } from '../../../lib/errors.ts'
import { mongoDb } from '../../../lib/stores/mongo.ts'
import { postgresClient } from '../../../lib/stores/postgres.ts'
import { markAttached, verifyAttachments } from '../../../lib/uploads/attachments.ts'
import { presignDownload } from '../../../lib/uploads/download.ts'
import { type UploadStore, uploadStore } from '../../../lib/uploads/store.ts'
import { type Call, filesApi, type Person, person, pngBytes, postFile, presign } from './api.ts'

let call: Call
let ada: Person
let store: UploadStore
const audit: Audit = async () => {}

beforeAll(async () => {
  call = filesApi()
  ada = await person(call, 'swapper')
  store = uploadStore()
})

/** Two PNGs of one size that differ after their first bytes: a swap the attach-time checks cannot tell apart. */
const original = () => Buffer.concat([pngBytes(64), Buffer.from('original bytes.')])
const swapped = () => Buffer.concat([pngBytes(64), Buffer.from('swapped! bytes.')])

async function downloaded(key: string): Promise<Buffer> {
  const ctx = { store, mongo: await mongoDb(), sql: await postgresClient(), audit }
  const { url } = await presignDownload(ctx, ada.id, key)
  const response = await fetch(url)
  expect(response.status).toBe(200)
  return Buffer.from(await response.arrayBuffer())
}

describe('an attachment', () => {
  it('is served as checked when the presigned POST is used again after attaching', async () => {
    const upload = await presign(call, ada, {
      fileName: 'p.png',
      contentType: 'image/png',
      size: original().length,
    })
    expect((await postFile(upload, original(), 'image/png')).ok).toBe(true)
    const [attachment] = await verifyAttachments(store, ada.id, [{ key: upload.key }])
    await markAttached(store, [attachment?.key as string])

    expect((await postFile(upload, swapped(), 'image/png')).ok).toBe(true)

    expect(await downloaded(attachment?.key as string)).toEqual(original())
  })

  it('is served as checked even before the pinned copy is made', async () => {
    const upload = await presign(call, ada, {
      fileName: 'p.png',
      contentType: 'image/png',
      size: original().length,
    })
    expect((await postFile(upload, original(), 'image/png')).ok).toBe(true)
    const [attachment] = await verifyAttachments(store, ada.id, [{ key: upload.key }])
    const key = attachment?.key as string
    expect(await downloaded(key)).toEqual(original())
    expect((await postFile(upload, swapped(), 'image/png')).ok).toBe(true)
    expect(await downloaded(key)).toEqual(original())
  })

  it('swapped between the check and the pinning is never served', async () => {
    const upload = await presign(call, ada, {
      fileName: 'p.png',
      contentType: 'image/png',
      size: original().length,
    })
    expect((await postFile(upload, original(), 'image/png')).ok).toBe(true)
    const [attachment] = await verifyAttachments(store, ada.id, [{ key: upload.key }])
    expect((await postFile(upload, swapped(), 'image/png')).ok).toBe(true)

    await expect(markAttached(store, [attachment?.key as string])).rejects.toThrow()
    await expect(downloaded(attachment?.key as string)).rejects.toBeInstanceOf(NotFoundError)
  })

  it('pins keys that no presigned POST can write', async () => {
    const upload = await presign(call, ada, {
      fileName: 'p.png',
      contentType: 'image/png',
      size: original().length,
    })
    expect((await postFile(upload, original(), 'image/png')).ok).toBe(true)
    const [attachment] = await verifyAttachments(store, ada.id, [{ key: upload.key }])
    expect(attachment?.key).not.toBe(upload.key)
    expect(attachment?.key.startsWith('uploads/')).toBe(false)
    expect(attachment?.key).toContain(ada.id)
  })
})
