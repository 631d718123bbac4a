// POST /uploads: a presigned POST whose signed policy pins the key, the exact type and the exact size.
import { createPresignedPost } from '@aws-sdk/s3-presigned-post'
import * as z from 'zod'
import type { Audit } from '../audit/log.ts'
import { PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors.ts'
import { uploadsBucket } from './bucket.ts'
import { allowedContentTypes, isAllowedContentType } from './content-types.ts'
import { newUploadKey } from './keys.ts'
import { encodeOriginalName, originalNameField } from './original-name.ts'
import type { UploadStore } from './store.ts'

// Control characters and bidirectional overrides would let a name disguise itself (as in lib/users/fields.ts).
const disguising = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u

export const uploadRequest = z.strictObject({
  // 200 UTF-16 units, percent-encoded, stay under S3's 2 KB of user metadata.
  fileName: z
    .string()
    .trim()
    .normalize('NFC')
    .min(1)
    .max(200)
    .refine((name) => !disguising.test(name), 'must not contain control characters'),
  contentType: z
    .string()
    .trim()
    .toLowerCase()
    .max(128)
    .regex(/^[a-z0-9.+-]+\/[a-z0-9.+-]+$/, 'must be a media type such as image/png'),
  size: z.number().int().positive(),
})
export type UploadRequest = z.infer<typeof uploadRequest>

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
