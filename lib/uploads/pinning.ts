// An attached file's pinned copy: the checked upload copied, only if unchanged, to a key no presigned POST can write.
import { CopyObjectCommand, GetObjectTaggingCommand, PutObjectTaggingCommand } from '@aws-sdk/client-s3'
import { uploadsBucket } from './bucket.ts'
import { parseAttachedKey } from './keys.ts'
import type { UploadStore } from './store.ts'

const unquoted = (etag: string | undefined) => etag?.replaceAll('"', '').toLowerCase()

/** The upload no longer holds the bytes that were checked (overwritten, or expired): it is never served. */
export class AttachmentChangedError extends Error {
  override readonly name = 'AttachmentChangedError'
}

/** True when an object's ETag, as S3 sends it (quoted), is the pinned one. */
export const isPinnedEtag = (etag: string | undefined, pinned: string) => unquoted(etag) === pinned

const errorName = (error: unknown) =>
  typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : undefined

/**
 * Copies the upload to its attached key only if its ETag is still the checked one: S3 refuses the copy otherwise
 * (CopySourceIfMatch), and the copy's own ETag must equal it too, a check that holds wherever the condition is not
 * enforced (the uploads bucket is SSE-S3, so a single-part object's ETag is its MD5 and a copy keeps it). A copy
 * failing that check stays unserved: a download serves an attached key only while its ETag is the pinned one. The
 * copy is tagged attached, so the lifecycle rule for abandoned uploads keeps it; the upload's other tags (a malware
 * scan's result, say) go with it. Safe to run again.
 */
export async function pinAttachment(store: UploadStore, key: string): Promise<void> {
  const pinned = parseAttachedKey(key)
  if (!pinned) throw new Error(`not an attached key: ${key}`)
  const { bucket, s3 } = store
  const changed = (cause?: unknown) =>
    new AttachmentChangedError(`${pinned.uploadKey} changed after it was checked`, { cause })
  let copiedEtag: string | undefined
  let tags: { Key: string | undefined; Value: string | undefined }[]
  try {
    const [tagging, copied] = await Promise.all([
      s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: pinned.uploadKey })),
      s3.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: key,
          CopySource: encodeURI(`${bucket}/${pinned.uploadKey}`),
          CopySourceIfMatch: `"${pinned.etag}"`,
          MetadataDirective: 'COPY',
        }),
      ),
    ])
    copiedEtag = unquoted(copied.CopyObjectResult?.ETag)
    tags = tagging.TagSet ?? []
  } catch (error) {
    const name = errorName(error)
    if (name === 'PreconditionFailed' || name === 'NoSuchKey' || name === 'NotFound') throw changed(error)
    throw error
  }
  if (copiedEtag !== pinned.etag) throw changed()
  const { key: statusTag } = uploadsBucket.pendingTag
  const kept = tags.filter((tag) => tag.Key !== statusTag)
  const Tagging = { TagSet: [...kept, { Key: statusTag, Value: 'attached' }] }
  await s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: key, Tagging }))
}
