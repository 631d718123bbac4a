// The rules for each user field, shared by signup, profile edits, admin edits and the create-admin command.
import * as z from 'zod'

export const userId = z.uuid({ message: 'must be a user id (UUID)' })

/** Trimmed and lower-cased: addresses are compared case-insensitively, and stored as compared. */
export const email = z
  .string()
  .trim()
  .normalize('NFC')
  .toLowerCase()
  .pipe(z.email({ message: 'must be an email address' }).max(254))

const reservedUsernames = new Set([
  'admin',
  'administrator',
  'root',
  'system',
  'support',
  'security',
  'moderator',
  'help',
  'me',
  'null',
  'undefined',
  'chatservice',
])

/** 3-32 letters, digits or underscores, starting with a letter; case is kept for display, unique ignoring case. */
export const username = z
  .string()
  .regex(
    /^[A-Za-z][A-Za-z0-9_]{2,31}$/,
    'must be 3-32 letters, digits or underscores, starting with a letter',
  )
  .refine((name) => !reservedUsernames.has(name.toLowerCase()), 'is reserved')

// Control characters and bidirectional overrides would let a name disguise itself in a client's list.
const disguising = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u

/**
 * What renders as nothing: spaces, format characters (zero-width space, joiners, BOM), the other default-ignorable
 * ones (Hangul fillers, variation selectors), combining marks with nothing to combine with, and the blank braille
 * pattern. A name of these alone looks empty, so it could pass for anyone, or for no one.
 */
const invisible = /[\p{White_Space}\p{Cf}\p{Default_Ignorable_Code_Point}\p{M}\u2800]/gu

export const displayName = z
  .string()
  .trim()
  .normalize('NFC')
  .min(1, 'must not be empty')
  .max(64, 'must have at most 64 characters')
  .refine((name) => !disguising.test(name), 'must not contain control characters')
  .refine((name) => name.replace(invisible, '').length > 0, 'must have a visible character')

/** The policy (length, breached list) is checked in lib/auth; this only bounds what reaches it. */
export const password = z.string().min(1, 'is required').max(512, 'is too long')

export const role = z.enum(['user', 'admin'])
