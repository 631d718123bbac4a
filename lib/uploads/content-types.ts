// The file types users may upload, each with the first bytes a real file of that type starts with.

type Signature = (bytes: Uint8Array) => boolean

const startsWith =
  (...prefix: number[]): Signature =>
  (bytes) =>
    prefix.every((byte, index) => bytes[index] === byte)

const ascii = (text: string) => [...text].map((char) => char.charCodeAt(0))

/** WebP is a RIFF container: "RIFF", four bytes of length, then "WEBP". */
const webp: Signature = (bytes) =>
  startsWith(...ascii('RIFF'))(bytes) && startsWith(...ascii('WEBP'))(bytes.subarray(8))

/** Office Open XML documents are ZIP archives; the first bytes cannot tell a .docx from a .xlsx. */
const zip = startsWith(0x50, 0x4b, 0x03, 0x04)

const utf8 = new TextDecoder('utf-8', { fatal: true })
/** Tab, line feed, form feed, carriage return. */
const textControls = new Set([0x09, 0x0a, 0x0c, 0x0d])

/**
 * Plain text: valid UTF-8 with no control characters but tab, line breaks and form feed. The sample may end
 * inside a multi-byte character, so an incomplete sequence at the very end is dropped before decoding.
 */
const text: Signature = (bytes) => {
  let end = bytes.length
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back] as number
    if ((byte & 0xc0) === 0x80) continue
    const needs = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1
    if (needs > back) end = bytes.length - back
    break
  }
  // A control byte never occurs inside a multi-byte character, so the bytes can be checked as they are.
  if (bytes.some((byte) => (byte < 0x20 && !textControls.has(byte)) || byte === 0x7f)) return false
  try {
    utf8.decode(bytes.subarray(0, end))
    return true
  } catch {
    return false
  }
}

const signatures = {
  'image/png': startsWith(0x89, ...ascii('PNG'), 0x0d, 0x0a, 0x1a, 0x0a),
  'image/jpeg': startsWith(0xff, 0xd8, 0xff),
  'image/gif': (bytes) => startsWith(...ascii('GIF87a'))(bytes) || startsWith(...ascii('GIF89a'))(bytes),
  'image/webp': webp,
  'application/pdf': startsWith(...ascii('%PDF-')),
  'text/plain': text,
  'text/csv': text,
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': zip,
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': zip,
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': zip,
} satisfies Record<string, Signature>

export type AllowedContentType = keyof typeof signatures

export const allowedContentTypes = Object.keys(signatures) as AllowedContentType[]

export function isAllowedContentType(value: string): value is AllowedContentType {
  return Object.hasOwn(signatures, value)
}

/** How many leading bytes `matchesContentType` needs to see. */
export const sniffBytes = 16

/** True when the file's first bytes are those of the declared type. */
export function matchesContentType(contentType: AllowedContentType, firstBytes: Uint8Array): boolean {
  return firstBytes.length > 0 && signatures[contentType](firstBytes)
}

/** Images are shown in place; every other type is downloaded, so nothing a browser might render runs inline. */
export function dispositionOf(contentType: string): 'inline' | 'attachment' {
  return contentType.startsWith('image/') ? 'inline' : 'attachment'
}
