// POST /uploads: a presigned POST whose signed policy pins the key, the exact type and the exact size.
import { createPresignedPost } from '@aws-sdk/s3-presigned-post'
import type { Audit } from '../audit/log.ts'
import { PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors.ts'
import type { UploadRequest } from '../protocol/http/files.ts'
import { uploadsBucket } from './bucket.ts'
import { allowedContentTypes, isAllowedContentType } from './content-types.ts'
import { newUploadKey } from './keys.ts'
import { encodeOriginalName, originalNameField } from './original-name.ts'
import type { UploadStore } from './store.ts'

export interface PresignedUpload {
  key: string
  url: string
  fields: Record<string, string>
  expiresAt: string
}

const pendingTagging = (() => {
  const { key, value } = uploadsBucket.pendingTag
  return `<Tagging><TagSet><Tag><Key>${key}</Key><Value>${value}</Value></Tag></TagSet></Tagging>`
})()

/**
 * The size range is the declared size exactly, not 1..max: the upload must be the file the client described,
 * so the size stored with a message is the one agreed here (and checked again when it is attached).
 */
export async function presignUpload(
  ctx: { store: UploadStore; audit: Audit },
  userId: string,
  request: UploadRequest,
): Promise<PresignedUpload> {
  const { store } = ctx
  if (!isAllowedContentType(request.contentType)) {
    throw new UnsupportedMediaTypeError(
      `Files of type ${request.contentType} cannot be uploaded; allowed: ${allowedContentTypes.join(', ')}.`,
    )
  }
  if (request.size > store.maxBytes) {
    throw new PayloadTooLargeError(
      `Files may be at most ${store.maxBytes} bytes; this one is ${request.size}.`,
    )
  }
  const key = newUploadKey(userId, request.fileName)
  const fields = {
    'Content-Type': request.contentType,
    tagging: pendingTagging,
    [originalNameField]: encodeOriginalName(request.fileName),
  }
  const expiresAt = new Date(Date.now() + uploadsBucket.presignSeconds * 1000)
  const post = await createPresignedPost(store.s3, {
    Bucket: store.bucket,
    Key: key,
    Fields: fields,
    Conditions: [
      ['eq', '$key', key],
      ['eq', '$Content-Type', request.contentType],
      ['content-length-range', request.size, request.size],
      ['eq', '$tagging', pendingTagging],
      ['eq', `$${originalNameField}`, fields[originalNameField]],
    ],
    Expires: uploadsBucket.presignSeconds,
  })
  await ctx.audit({
    action: 'upload.presign',
    actorId: userId,
    targetId: key,
    outcome: 'success',
    details: { contentType: request.contentType, size: request.size },
  })
  return { key, url: post.url, fields: post.fields, expiresAt: expiresAt.toISOString() }
}
