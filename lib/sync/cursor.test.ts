import { describe, expect, it } from 'vitest'
import { cursorCodec, withCommitted } from './cursor.ts'

describe('withCommitted', () => {
  it('counts a transaction past xmax as committed, and those between as still running', () => {
    expect(withCommitted('100:103:100,101', '105')).toBe('100:106:100,101,103,104')
  })

  it('takes a transaction off the running list', () => {
    expect(withCommitted('100:110:100,104', '104')).toBe('100:110:100')
    expect(withCommitted('104:110:104', '104')).toBe('110:110:')
  })

  it('leaves a snapshot that already sees the transaction as it is', () => {
    expect(withCommitted('100:110:', '90')).toBe('100:110:')
  })
})

describe('cursorCodec', () => {
  const day = 86_400_000
  const codec = cursorCodec('secret', 90 * day)
  const position = { seen: '5:9:5,7', seenAt: 1_000 * day }

  it('gives back what it signed', () => {
    expect(codec.decode(codec.encode(position), 1_001 * day)).toEqual(position)
  })

  it('refuses a cursor signed with another key, altered, or cut', () => {
    const other = cursorCodec('other', 90 * day).encode(position)
    const [payload, signature] = codec.encode(position).split('.') as [string, string]
    const altered = Buffer.from(JSON.stringify({ ...position, seen: '1:1:' })).toString('base64url')
    for (const text of [other, `${altered}.${signature}`, payload, `${payload}.${signature}.x`, ''])
      expect(codec.decode(text, 1_001 * day)).toBe('forged')
  })

  it('refuses a cursor older than the retention period as expired', () => {
    expect(codec.decode(codec.encode(position), 1_091 * day)).toBe('expired')
  })
})
