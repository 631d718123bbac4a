// Message attachments: each key checked to be the sender's own upload, present, of an allowed type, size and content.
import { GetObjectCommand, type GetObjectCommandOutput } from '@aws-sdk/client-s3'
import { InvalidError, NotFoundError } from '../errors.ts'
import { type Attachment, type AttachmentRef, attachmentRefs } from '../protocol/messages.ts'
import { isAllowedContentType, matchesContentType, sniffBytes } from './content-types.ts'
import { parseUploadKey, pinnedKey } from './keys.ts'
import { originalNameOf } from './original-name.ts'
import { pinAttachment } from './pinning.ts'
import type { UploadStore } from './store.ts'

const errorName = (error: unknown) =>
  typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : undefined

/** One ranged GET answers everything: type and metadata in the headers, total size in Content-Range, first bytes. */
async function verifyOne(store: UploadStore, senderId: string, key: string, at: string): Promise<Attachment> {
  // Another user's key is answered exactly like a missing one, so keys cannot be probed.
  const notYours = () => new NotFoundError(`${at}: no upload of yours has this key.`)
  const parsed = parseUploadKey(key)
  if (parsed?.ownerId !== senderId) throw notYours()
  let object: GetObjectCommandOutput
  try {
    object = await store.s3.send(
      new GetObjectCommand({ Bucket: store.bucket, Key: key, Range: `bytes=0-${sniffBytes - 1}` }),
    )
  } catch (error) {
    if (errorName(error) === 'NoSuchKey') throw notYours()
    // S3 answers a range on an empty object with 416; the presigned POST never allows one, so this is defensive.
    if (errorName(error) === 'InvalidRange') throw new InvalidError(`${at}: the file is empty.`)
    throw error
  }
  const firstBytes = (await object.Body?.transformToByteArray()) ?? new Uint8Array()
  const contentType = object.ContentType ?? ''
  const size = Number(/\/(\d+)$/.exec(object.ContentRange ?? '')?.[1] ?? object.ContentLength ?? 0)
  if (!isAllowedContentType(contentType)) {
    throw new InvalidError(`${at}: files of type ${contentType || 'unknown'} cannot be attached.`)
  }
  if (size < 1 || size > store.maxBytes) {
    throw new InvalidError(`${at}: the file must be 1 to ${store.maxBytes} bytes; it is ${size}.`)
  }
  if (!matchesContentType(contentType, firstBytes)) {
    throw new InvalidError(`${at}: the file's content is not ${contentType}.`)
  }
  // The message names the pinned copy of exactly these bytes, never the upload, which its presigned POST can rewrite.
  const pinned = pinnedKey(key, object.ETag ?? '')
  if (!pinned) throw new Error(`${key}: S3 answered no usable ETag (${object.ETag})`)
  return { key: pinned, name: originalNameOf(object.Metadata, parsed.name), contentType, size }
}

/**
 * Checks every attachment of a message concurrently (one S3 round trip in all) and returns what the message
 * stores about each. Refuses with NotFoundError a key that is not the sender's or was never uploaded, and with
 * InvalidError a file of the wrong type, size or content; the ws wrapper turns either into an `error` frame.
 */
export async function verifyAttachments(
  store: UploadStore,
  senderId: string,
  refs: readonly AttachmentRef[],
): Promise<Attachment[]> {
  const parsed = attachmentRefs.safeParse(refs)
  if (!parsed.success) throw new InvalidError(`attachments: ${parsed.error.issues[0]?.message ?? 'invalid'}.`)
  return Promise.all(
    parsed.data.map((ref, index) => verifyOne(store, senderId, ref.key, `attachments.${index}`)),
  )
}

/** verifyAttachments bound to a store: the `(senderId, references)` check that sendMessage takes. */
export const attachmentCheck =
  (store: UploadStore) =>
  (senderId: string, refs: readonly AttachmentRef[]): Promise<Attachment[]> =>
    verifyAttachments(store, senderId, refs)

/**
 * Makes the pinned copy of each attached file (see pinning.ts). Call it once the message is stored; a download
 * makes any copy still missing, so a failure here only needs logging. A file changed since it was checked is
 * refused here and there alike, and never served.
 */
export async function markAttached(store: UploadStore, keys: readonly string[]): Promise<void> {
  await Promise.all(keys.map((key) => pinAttachment(store, key)))
}
