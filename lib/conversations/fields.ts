// The inputs of the conversation routes: ids, group names and members, list pages.
import * as z from 'zod'

/** PostgreSQL prints uuids in lower case; ids are compared and ordered as it prints them. */
export const entityId = (what: string) =>
  z.uuid({ message: `must be a ${what} id (UUID)` }).transform((id) => id.toLowerCase())

export const conversationId = entityId('conversation')
export const memberId = entityId('user')

/** A group holds its owner and at most this many others in all. */
export const maxGroupMembers = 256
/** Members added in one request. */
const maxAddedAtOnce = 50

// Control characters and bidirectional overrides would let a name disguise itself in a client's list.
const disguising = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u

export const groupName = z
  .string()
  .trim()
  .normalize('NFC')
  .min(1, 'must not be empty')
  .max(100, 'must have at most 100 characters')
  .refine((name) => !disguising.test(name), 'must not contain control characters')

const distinct = (ids: string[]) => new Set(ids).size === ids.length

export const newConversation = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('direct'), userId: memberId }),
  z.strictObject({
    type: z.literal('group'),
    name: groupName,
    memberIds: z
      .array(memberId)
      .max(maxGroupMembers - 1)
      .refine(distinct, 'must not repeat an id')
      .default([]),
  }),
])
export type NewConversation = z.infer<typeof newConversation>

export const memberAddition = z.strictObject({
  userIds: z.array(memberId).min(1).max(maxAddedAtOnce).refine(distinct, 'must not repeat an id'),
  /** New members join as this (plain members unless said); only the owner names it, and may so change a member's. */
  role: z.enum(['member', 'admin']).optional(),
})
export type MemberAddition = z.infer<typeof memberAddition>

export const conversationPath = z.strictObject({ id: conversationId })
export const memberPath = z.strictObject({ id: conversationId, userId: memberId })

export const listQuery = z.strictObject({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(50).default(20),
})
export type ListQuery = z.infer<typeof listQuery>

/** A message's place in its conversation, as clients send it back in a JSON body (read markers). */
export const seq = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)
/** The same in a query string (history bounds). */
export const seqParameter = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER)

export const readMarker = z.strictObject({ seq })
