// verifyAttachments and markAttached against the local S3: ownership, presence, type, size and first bytes.
import { randomUUID } from 'node:crypto'
import { GetObjectTaggingCommand, PutObjectCommand, PutObjectTaggingCommand } from '@aws-sdk/client-s3'
import { beforeAll, describe, expect, it } from 'vitest'
import { InvalidError, NotFoundError } from '../../../lib/errors.ts'
import { markAttached, verifyAttachments } from '../../../lib/uploads/attachments.ts'
import { type UploadStore, uploadStore } from '../../../lib/uploads/store.ts'
import { type Call, filesApi, type Person, person, pinnedFrom, pngBytes, uploaded } from './api.ts'

let call: Call
let ada: Person
let bob: Person
let store: UploadStore

beforeAll(async () => {
  call = filesApi()
  ;[ada, bob] = await Promise.all([person(call, 'sender'), person(call, 'other')])
  store = uploadStore()
})

/** Writes an object straight to the bucket, as a client ignoring the policy could against s3rver. */
async function putObject(owner: Person, name: string, contentType: string, body: Buffer) {
  const key = `uploads/${owner.id}/${randomUUID()}/${name}`
  await store.s3.send(
    new PutObjectCommand({ Bucket: store.bucket, Key: key, Body: body, ContentType: contentType }),
  )
  return key
}

describe('verifyAttachments', () => {
  it("returns each of the sender's uploads with its original name, type and size", async () => {
    const png = await uploaded(call, ada, pngBytes(120), 'image/png', 'Holiday photo.png')
    const pdf = await uploaded(
      call,
      ada,
      Buffer.from('%PDF-1.7\n% a tiny document\n'),
      'application/pdf',
      'a.pdf',
    )
    const text = await uploaded(call, ada, Buffer.from('héllo, wörld\n'), 'text/plain', 'hi.txt')
    expect(await verifyAttachments(store, ada.id, [{ key: png }, { key: pdf }, { key: text }])).toEqual([
      {
        key: expect.stringMatching(pinnedFrom(png)),
        name: 'Holiday photo.png',
        contentType: 'image/png',
        size: 120,
      },
      {
        key: expect.stringMatching(pinnedFrom(pdf)),
        name: 'a.pdf',
        contentType: 'application/pdf',
        size: 27,
      },
      { key: expect.stringMatching(pinnedFrom(text)), name: 'hi.txt', contentType: 'text/plain', size: 15 },
    ])
  })

  it("refuses another user's upload exactly as a missing one", async () => {
    const bobs = await uploaded(call, bob, pngBytes(), 'image/png')
    const foreign = verifyAttachments(store, ada.id, [{ key: bobs }])
    await expect(foreign).rejects.toBeInstanceOf(NotFoundError)
    await expect(foreign).rejects.toThrow('attachments.0: no upload of yours has this key.')
  })

  it('refuses a key under the sender prefix that was never uploaded, even beside a good one', async () => {
    const real = await uploaded(call, ada, pngBytes(), 'image/png')
    const never = `uploads/${ada.id}/${randomUUID()}/ghost.png`
    const missing = verifyAttachments(store, ada.id, [{ key: real }, { key: never }])
    await expect(missing).rejects.toBeInstanceOf(NotFoundError)
    await expect(missing).rejects.toThrow('attachments.1: no upload of yours has this key.')
  })

  it('refuses a file whose first bytes are not its declared type', async () => {
    const fake = await uploaded(call, ada, Buffer.from('<html><script>alert(1)</script></html>'), 'image/png')
    const refused = verifyAttachments(store, ada.id, [{ key: fake }])
    await expect(refused).rejects.toBeInstanceOf(InvalidError)
    await expect(refused).rejects.toThrow("attachments.0: the file's content is not image/png.")
  })

  it('refuses binary content declared as text', async () => {
    const binary = await uploaded(call, ada, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), 'text/plain')
    await expect(verifyAttachments(store, ada.id, [{ key: binary }])).rejects.toBeInstanceOf(InvalidError)
  })

  it('refuses an object whose type is off the allowlist, however it got there', async () => {
    const html = await putObject(ada, 'page.html', 'text/html', Buffer.from('<html></html>'))
    await expect(verifyAttachments(store, ada.id, [{ key: html }])).rejects.toThrow(
      'attachments.0: files of type text/html cannot be attached.',
    )
  })

  it('refuses an object larger than the maximum, however it got there', async () => {
    const big = await putObject(ada, 'big.png', 'image/png', pngBytes(200))
    await expect(verifyAttachments({ ...store, maxBytes: 100 }, ada.id, [{ key: big }])).rejects.toThrow(
      'attachments.0: the file must be 1 to 100 bytes; it is 200.',
    )
  })

  it('refuses malformed keys, repeated keys and more than ten files', async () => {
    const key = await uploaded(call, ada, pngBytes(), 'image/png')
    for (const refs of [
      [{ key: `${key}/../x` }],
      [{ key }, { key }],
      Array.from({ length: 11 }, () => ({ key })),
    ]) {
      await expect(verifyAttachments(store, ada.id, refs)).rejects.toBeInstanceOf(InvalidError)
    }
  })
})

describe('markAttached', () => {
  it('tags the pinned copy attached, keeping the upload’s other tags', async () => {
    const key = await uploaded(call, ada, pngBytes(), 'image/png')
    await store.s3.send(
      new PutObjectTaggingCommand({
        Bucket: store.bucket,
        Key: key,
        Tagging: {
          TagSet: [
            { Key: 'upload-status', Value: 'pending' },
            { Key: 'GuardDutyMalwareScanStatus', Value: 'NO_THREATS_FOUND' },
          ],
        },
      }),
    )
    const [attachment] = await verifyAttachments(store, ada.id, [{ key }])
    const pinned = attachment?.key as string
    await markAttached(store, [pinned])
    const { TagSet } = await store.s3.send(new GetObjectTaggingCommand({ Bucket: store.bucket, Key: pinned }))
    expect(TagSet).toEqual(
      expect.arrayContaining([
        { Key: 'upload-status', Value: 'attached' },
        { Key: 'GuardDutyMalwareScanStatus', Value: 'NO_THREATS_FOUND' },
      ]),
    )
    expect(TagSet).toHaveLength(2)
  })
})
