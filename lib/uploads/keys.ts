// Upload object keys: `uploads/<owner id>/<random id>/<safe name>`, made by the server, parsed back to find the owner.
import { randomUUID } from 'node:crypto'
import { z } from 'zod'

const uuid = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'
const safeName = '[A-Za-z0-9][A-Za-z0-9._-]{0,99}'
const keyPattern = new RegExp(`^uploads/(${uuid})/(${uuid})/(${safeName})$`)

/** Any string the server could have produced as a key; everything else is refused before a store is asked. */
export const uploadKey = z.string().max(200).regex(keyPattern, 'must be an upload key')

export interface ParsedKey {
  ownerId: string
  name: string
}

export function parseUploadKey(key: string): ParsedKey | undefined {
  const match = keyPattern.exec(key)
  return match ? { ownerId: match[1] as string, name: match[3] as string } : undefined
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
