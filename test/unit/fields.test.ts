import { describe, expect, it } from 'vitest'
import { displayName, email, username } from '../../lib/users/fields.ts'

describe('user fields', () => {
  it('normalise an email: trimmed and lower-cased', () => {
    expect(email.parse('  Ada.Lovelace@Example.COM ')).toBe('ada.lovelace@example.com')
    expect(email.safeParse('not an email').success).toBe(false)
    expect(email.safeParse(`${'a'.repeat(250)}@example.com`).success).toBe(false)
  })

  it('allow usernames of 3-32 letters, digits and underscores starting with a letter, keeping their case', () => {
    expect(username.parse('Ada_1815')).toBe('Ada_1815')
    for (const bad of ['ab', '1abc', 'ada lovelace', 'ada-l', 'ada@x', 'a'.repeat(33), 'Admin', 'ROOT']) {
      expect(username.safeParse(bad).success, bad).toBe(false)
    }
  })

  it('trim display names and refuse control and bidirectional-override characters', () => {
    expect(displayName.parse('  Ada Lovelace ')).toBe('Ada Lovelace')
    expect(displayName.parse('👩‍💻 Ada')).toBe('👩‍💻 Ada')
    expect(displayName.safeParse('evil\u202Egnp.exe').success).toBe(false)
    expect(displayName.safeParse('line\nbreak').success).toBe(false)
    expect(displayName.safeParse('   ').success).toBe(false)
  })
})
