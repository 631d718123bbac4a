// Properties of upload keys and content sniffing: any name gives a key the server can parse back to its owner.
import { randomUUID } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { uploadKey } from '../../../lib/protocol/messages.ts'
import { matchesContentType } from '../../../lib/uploads/content-types.ts'
import { newUploadKey, parseUploadKey, sanitiseFileName } from '../../../lib/uploads/keys.ts'

describe('upload keys', () => {
  it('turn any file name into a key under the owner prefix that parses back to the owner', () => {
    const owner = randomUUID()
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (fileName) => {
        const key = newUploadKey(owner, fileName)
        expect(uploadKey.safeParse(key).success).toBe(true)
        expect(parseUploadKey(key)?.ownerId).toBe(owner)
        expect(key.split('/')).toHaveLength(4)
      }),
    )
  })

  it.for([
    ['Résumé (final).pdf', 'Resume_final_.pdf'],
    ['../../etc/passwd', 'passwd'],
    ['C:\\Users\\ada\\photo.JPG', 'photo.JPG'],
    ['.htaccess', 'htaccess'],
    ['日本語.txt', 'file.txt'],
    [`${'x'.repeat(150)}.docx`, `${'x'.repeat(95)}.docx`],
  ])('sanitise %j as %j', ([given, safe]) => {
    expect(sanitiseFileName(given as string)).toBe(safe)
  })

  it('are refused when they step outside the pattern', () => {
    const owner = randomUUID()
    for (const key of [
      `uploads/${owner}/${randomUUID()}/../x`,
      `uploads/${owner}/${randomUUID()}/.hidden`,
      `uploads/${owner}/x/a.png`,
      `other/${owner}/${randomUUID()}/a.png`,
      `uploads/${owner}/${randomUUID()}/a.png/b`,
    ]) {
      expect(parseUploadKey(key)).toBeUndefined()
    }
  })
})

describe('content sniffing', () => {
  it('never throws on any first bytes, and accepts any short UTF-8 prose as text', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 16 }), (bytes) => {
        matchesContentType('text/plain', bytes)
        matchesContentType('image/webp', bytes)
      }),
    )
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }), (prose) => {
        fc.pre(!/[\p{Cc}]/u.test(prose.replace(/[\t\n\f\r]/g, '')))
        expect(matchesContentType('text/plain', Buffer.from(prose).subarray(0, 16))).toBe(true)
      }),
    )
  })
})
