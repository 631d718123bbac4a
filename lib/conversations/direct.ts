// Direct conversations: one per pair of friends, its id derived from the pair, opened on first use.
import { createHash } from 'node:crypto'
import { ForbiddenError, InvalidError } from '../errors.ts'
import { orderedPair } from '../friends/relations.ts'
import type { Sql } from '../stores/postgres.ts'

// Any fixed UUID works: it only scopes the name-based ids below to this service.
const namespace = Buffer.from('5b0f4c1e9a7d4e2f8c3b6a1d0e9f8a7b', 'hex')

/** "<lower id>:<higher id>", the unique direct_key of the pair's conversation. */
export function directKey(a: string, b: string): string {
  return orderedPair(a, b).join(':')
}

/**
 * A name-based (version 5) UUID of the pair: the id is known before any store is asked, so a send by `toUserId`
 * opens the conversation and numbers its message in the same statement. Knowing it grants nothing: every read and
 * write checks membership.
 */
export function directConversationId(a: string, b: string): string {
  const hash = createHash('sha1').update(namespace).update(directKey(a, b)).digest()
  hash[6] = ((hash[6] as number) & 0x0f) | 0x50
  hash[8] = ((hash[8] as number) & 0x3f) | 0x80
  const hex = hash.subarray(0, 16).toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

export interface DirectConversation {
  conversationId: string
  created: boolean
}

/**
 * Finds or creates the pair's conversation with both members, in one statement (the database function
 * `open_direct`, which a send by `toUserId` runs too), only while the two may message each other; otherwise
 * ForbiddenError, the same whether the other user is a stranger, blocked or does not exist.
 */
export async function openDirect(sql: Sql, me: string, other: string): Promise<DirectConversation> {
  if (me === other) throw new InvalidError('A direct conversation needs another user.')
  const conversationId = directConversationId(me, other)
  const [row] = await sql<{ allowed: boolean; created: boolean }[]>`
    select allowed, created from open_direct(${conversationId}, ${me}, ${other}, ${directKey(me, other)})`
  if (!row?.allowed) throw new ForbiddenError('You can message only your friends.')
  return { conversationId, created: row.created }
}
