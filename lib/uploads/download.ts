// GET /uploads/{key}: a short-lived presigned GET for the owner and for members of a conversation that holds it.
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import type { Audit } from '../audit/log.ts'
import { NotFoundError } from '../errors.ts'
import type { Sql } from '../stores/postgres.ts'
import { uploadsBucket } from './bucket.ts'
import { dispositionOf } from './content-types.ts'
import { parseAttachedKey, parseUploadKey } from './keys.ts'
import { originalNameOf } from './original-name.ts'
import { AttachmentChangedError, isPinnedEtag, pinAttachment } from './pinning.ts'
import type { UploadStore } from './store.ts'

export interface DownloadContext {
  store: UploadStore
  sql: Sql
  audit: Audit
}

export interface PresignedDownload {
  url: string
  expiresAt: string
}

/** True when the user is a member of a conversation holding a message that attaches `key`: one indexed query. */
export async function sharesConversationHolding(sql: Sql, userId: string, key: string): Promise<boolean> {
  const [row] = await sql`
    select 1 from message_attachments a
    join conversation_members m on m.conversation_id = a.conversation_id and m.user_id = ${userId}
    where a.upload_key = ${key}
    limit 1`
  return row !== undefined
}

/** RFC 6266: an ASCII fallback beside the UTF-8 name, so any browser saves the file under the name it was given. */
function contentDisposition(contentType: string, name: string, fallback: string): string {
  return `${dispositionOf(contentType)}; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(name)}`
}

/** Anyone without access, and any key that does not exist, gets the same 404. */
export async function presignDownload(
  ctx: DownloadContext,
  userId: string,
  key: string,
): Promise<PresignedDownload> {
  const attached = parseAttachedKey(key)
  const parsed = attached ?? parseUploadKey(key)
  const notFound = new NotFoundError('No such upload.')
  if (!parsed) throw notFound
  const allowed = parsed.ownerId === userId || (await sharesConversationHolding(ctx.sql, userId, key))
  if (!allowed) {
    await ctx.audit({ action: 'upload.download', actorId: userId, targetId: key, outcome: 'denied' })
    throw notFound
  }
  const { store } = ctx
  const headOf = () =>
    store.s3.send(new HeadObjectCommand({ Bucket: store.bucket, Key: key })).catch((error) => {
      if ((error as { name?: string }).name === 'NotFound') return undefined
      throw error
    })
  let head = await headOf()
  if (!head && attached) {
    // Its pinned copy is made after the message is stored; a download arriving first makes it.
    try {
      await pinAttachment(store, key)
    } catch (error) {
      if (!(error instanceof AttachmentChangedError)) throw error
      await ctx.audit({ action: 'upload.download', actorId: userId, targetId: key, outcome: 'denied' })
      throw notFound
    }
    head = await headOf()
  }
  if (!head || (attached && !isPinnedEtag(head.ETag, attached.etag))) throw notFound
  const contentType = head.ContentType ?? 'application/octet-stream'
  const name = originalNameOf(head.Metadata, parsed.name)
  const expiresAt = new Date(Date.now() + uploadsBucket.presignSeconds * 1000)
  const url = await getSignedUrl(
    store.s3,
    new GetObjectCommand({
      Bucket: store.bucket,
      Key: key,
      ResponseContentType: contentType,
      ResponseContentDisposition: contentDisposition(contentType, name, parsed.name),
    }),
    { expiresIn: uploadsBucket.presignSeconds },
  )
  await ctx.audit({ action: 'upload.download', actorId: userId, targetId: key, outcome: 'success' })
  return { url, expiresAt: expiresAt.toISOString() }
}
