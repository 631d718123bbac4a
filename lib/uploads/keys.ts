// Object keys: uploads at `uploads/<owner id>/<random id>/<safe name>`, and the pinned copies of attached ones.
import { randomUUID } from 'node:crypto'
import * as z from 'zod'
import { uploadKeyPattern as keyPattern, safeNamePattern as safeName } from '../protocol/messages.ts'

const uuid = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'

/**
 * An attached file's key: the upload's key moved under `attached/` with the ETag it had when it was checked. Only
 * the server writes there (every presigned POST pins a key under `uploads/`), and only a copy of exactly the checked
 * bytes, so what such a key serves can never change.
 */
const etag = '[0-9a-f]{32}(?:-[0-9]{1,5})?'
const attachedPattern = new RegExp(`^attached/(${uuid})/(${uuid})/(${etag})/(${safeName})$`)

export const attachedKey = z.string().max(240).regex(attachedPattern, 'must be an attachment key')

export interface ParsedKey {
  ownerId: string
  name: string
}

export interface ParsedAttachedKey extends ParsedKey {
  /** The upload it was copied from, and the ETag the copy must have. */
  uploadKey: string
  etag: string
}

export function parseUploadKey(key: string): ParsedKey | undefined {
  const match = keyPattern.exec(key)
  return match ? { ownerId: match[1] as string, name: match[3] as string } : undefined
}

export function parseAttachedKey(key: string): ParsedAttachedKey | undefined {
  const match = attachedPattern.exec(key)
  if (!match) return undefined
  const [, ownerId, uploadId, tag, name] = match as unknown as [string, string, string, string, string]
  return { ownerId, name, etag: tag, uploadKey: `uploads/${ownerId}/${uploadId}/${name}` }
}

/** The attached key for an upload checked with this ETag (S3 sends it quoted). */
export function pinnedKey(uploadKey: string, checkedEtag: string): string | undefined {
  const tag = checkedEtag.replaceAll('"', '').toLowerCase()
  const match = keyPattern.exec(uploadKey)
  if (!match || !new RegExp(`^${etag}$`).test(tag)) return undefined
  return `attached/${match[1]}/${match[2]}/${tag}/${match[3]}`
}

const maxNameLength = 100
const maxExtensionLength = 16

/**
 * A name safe in a key and in a Content-Disposition header: the last path segment, accents folded, anything
 * but letters, digits, dot, dash and underscore replaced, never starting with a dot, the extension kept.
 */
export function sanitiseFileName(fileName: string): string {
  const base = (fileName.split(/[\\/]/).pop() ?? '').normalize('NFKD').replace(/\p{M}/gu, '')
  const safe = (part: string) => part.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/_{2,}/g, '_')
  const dot = base.lastIndexOf('.')
  const extension = dot > 0 ? safe(base.slice(dot)) : ''
  const kept = extension.length <= maxExtensionLength && extension !== '.' ? extension : ''
  const stem = safe(kept ? base.slice(0, dot) : base)
    .replace(/^[._-]+/, '')
    .slice(0, maxNameLength - kept.length)
  return `${stem || 'file'}${kept}`
}

export function newUploadKey(ownerId: string, fileName: string): string {
  return `uploads/${ownerId}/${randomUUID()}/${sanitiseFileName(fileName)}`
}
