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

  it('refuse a display name made only of invisible characters, and keep one with something to see', () => {
    const invisible = [
      '\u200B',
      '\u200B\u200C\u200D',
      '\u2060\uFEFF',
      '\u00AD',
      '\u3164',
      '\u2800',
      '\u115F\u1160',
      '\u00A0\u200B\u3000',
      '\u180E',
      '\u034F\u0301',
    ]
    for (const name of invisible)
      expect(displayName.safeParse(name).success, JSON.stringify(name)).toBe(false)
    expect(displayName.parse('Ada\u200B')).toBe('Ada\u200B')
    expect(displayName.parse('\u05D0\u05D3\u05D4')).toBe('\u05D0\u05D3\u05D4')
    expect(displayName.parse('\u2764\uFE0F')).toBe('\u2764\uFE0F')
  })
})
