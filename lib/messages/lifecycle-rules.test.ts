// The rules of editing, deleting and reacting, over stored messages, with no store.
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ConflictError, ForbiddenError } from '../errors.ts'
import { type Actor, deleted, edited, reacted } from './lifecycle-rules.ts'
import type { MessageDocument } from './store.ts'

const [alice, bob, carol] = [randomUUID(), randomUUID(), randomUUID()]
const sentAt = new Date('2026-01-01T10:00:00Z')
const window = 15 * 60_000
const minutesAfter = (minutes: number) => new Date(sentAt.getTime() + minutes * 60_000)

const message = (overrides: Partial<MessageDocument> = {}): MessageDocument => ({
  _id: 'c:1',
  conversationId: 'c',
  seq: 1,
  senderId: alice,
  clientMsgId: 'm1',
  body: 'first',
  attachments: [{ key: 'k', name: 'a.png', contentType: 'image/png', size: 3 }],
  createdAt: sentAt,
  ...overrides,
})
const member = (
  userId: string,
  role: Actor['role'] = 'member',
  type: Actor['conversationType'] = 'group',
) => ({
  userId,
  role,
  conversationType: type,
})

describe('editing', () => {
  it('replaces the body and keeps every earlier body with the time it was written', () => {
    const once = edited(message(), member(alice), 'second', minutesAfter(1), window)
    const twice = edited(once, member(alice), 'third', minutesAfter(2), window)
    expect(twice).toMatchObject({ body: 'third', editedAt: minutesAfter(2) })
    expect(twice.edits).toEqual([
      { body: 'first', at: sentAt },
      { body: 'second', at: minutesAfter(1) },
    ])
  })

  it('is allowed up to the end of the window and refused after it', () => {
    expect(edited(message(), member(alice), 'x', minutesAfter(15), window).body).toBe('x')
    expect(() => edited(message(), member(alice), 'x', minutesAfter(15.01), window)).toThrow(ForbiddenError)
  })

  it('is the sender’s only, whatever the role of anyone else', () => {
    expect(() => edited(message(), member(bob, 'owner'), 'x', minutesAfter(1), window)).toThrow(
      ForbiddenError,
    )
  })

  it('of a tombstone is a conflict', () => {
    const tombstone = deleted(message(), member(alice), minutesAfter(1)) as MessageDocument
    expect(() => edited(tombstone, member(alice), 'x', minutesAfter(2), window)).toThrow(ConflictError)
  })
})

describe('deleting', () => {
  it('leaves a tombstone: same seq and sender, no body, attachments, edits or reactions', () => {
    const withHistory = reacted(
      edited(message(), member(alice), 'second', minutesAfter(1), window),
      bob,
      '👍',
      true,
    ) as MessageDocument
    const tombstone = deleted(withHistory, member(alice), minutesAfter(2))
    expect(tombstone).toMatchObject({
      seq: 1,
      senderId: alice,
      body: '',
      attachments: [],
      deletedAt: minutesAfter(2),
    })
    expect(tombstone).not.toHaveProperty('edits')
    expect(tombstone).not.toHaveProperty('reactions')
    expect(tombstone).not.toHaveProperty('editedAt')
  })

  it('is the sender’s, or a group owner’s or admin’s, never another plain member’s', () => {
    expect(deleted(message(), member(bob, 'owner'), sentAt)?.deletedAt).toEqual(sentAt)
    expect(deleted(message(), member(bob, 'admin'), sentAt)?.deletedAt).toEqual(sentAt)
    expect(() => deleted(message(), member(bob), sentAt)).toThrow(ForbiddenError)
    expect(() => deleted(message(), member(bob, 'member', 'direct'), sentAt)).toThrow(ForbiddenError)
  })

  it('of a tombstone changes nothing', () => {
    const tombstone = deleted(message(), member(alice), sentAt) as MessageDocument
    expect(deleted(tombstone, member(alice), minutesAfter(1))).toBeUndefined()
  })
})

describe('reacting', () => {
  it('counts each member once per emoji, and saying the same twice changes nothing', () => {
    const one = reacted(message(), bob, '👍', true) as MessageDocument
    expect(reacted(one, bob, '👍', true)).toBeUndefined()
    const two = reacted(one, carol, '👍', true) as MessageDocument
    const three = reacted(two, carol, '🎉', true) as MessageDocument
    expect(three.reactions).toEqual([
      { emoji: '👍', userIds: [bob, carol] },
      { emoji: '🎉', userIds: [carol] },
    ])
  })

  it('off removes only the caller’s, drops an emoji nobody holds, and off twice changes nothing', () => {
    const both = reacted(
      reacted(message(), bob, '👍', true) as MessageDocument,
      carol,
      '🎉',
      true,
    ) as MessageDocument
    const off = reacted(both, carol, '🎉', false) as MessageDocument
    expect(off.reactions).toEqual([{ emoji: '👍', userIds: [bob] }])
    expect(reacted(off, carol, '🎉', false)).toBeUndefined()
  })

  it('to a tombstone is a conflict', () => {
    const tombstone = deleted(message(), member(alice), sentAt) as MessageDocument
    expect(() => reacted(tombstone, bob, '👍', true)).toThrow(ConflictError)
  })
})
