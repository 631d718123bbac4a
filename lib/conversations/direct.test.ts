import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { directConversationId, directKey } from './direct.ts'

const uuidV5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

describe('directConversationId', () => {
  it('is one valid version-5 UUID per unordered pair, the same whichever of the two asks', () => {
    fc.assert(
      fc.property(fc.uuid(), fc.uuid(), (a, b) => {
        const id = directConversationId(a, b)
        expect(id).toMatch(uuidV5)
        expect(directConversationId(b, a)).toBe(id)
        expect(directKey(b, a)).toBe(directKey(a, b))
      }),
    )
  })

  it('differs between pairs', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.uuid(), { minLength: 3, maxLength: 3 }), ([a, b, c]) => {
        expect(directConversationId(a as string, b as string)).not.toBe(
          directConversationId(a as string, c as string),
        )
      }),
    )
  })
})
