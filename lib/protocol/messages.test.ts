import { randomUUID } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { maxBodyLength, messageInput } from './messages.ts'
import { sendMessageAction as sendMessageFrame } from './ws.ts'

const valid = { action: 'sendMessage', toUserId: randomUUID(), clientMsgId: 'c-1', body: 'hi' }

describe('sendMessageFrame', () => {
  it('takes a message to one destination and fills in the optional parts', () => {
    expect(sendMessageFrame.parse(valid)).toEqual({ ...valid, attachments: [] })
    expect(sendMessageFrame.parse({ ...valid, toUserId: valid.toUserId.toUpperCase() }).toUserId).toBe(
      valid.toUserId,
    )
  })

  it('refuses no destination, two destinations, no clientMsgId and nothing to say', () => {
    const { toUserId: _, ...nowhere } = valid
    for (const bad of [
      nowhere,
      { ...valid, conversationId: randomUUID() },
      { ...valid, clientMsgId: undefined },
      { ...valid, clientMsgId: '' },
      { ...valid, body: ' \n ' },
      { ...valid, body: undefined },
    ])
      expect(sendMessageFrame.safeParse(bad).success, JSON.stringify(bad)).toBe(false)
  })

  it('bounds the body at 4000 characters', () => {
    expect(sendMessageFrame.safeParse({ ...valid, body: 'x'.repeat(maxBodyLength) }).success).toBe(true)
    expect(sendMessageFrame.safeParse({ ...valid, body: 'x'.repeat(maxBodyLength + 1) }).success).toBe(false)
  })

  it('refuses any field it does not know, operators included', () => {
    fc.assert(
      fc.property(
        fc
          .string({ minLength: 1 })
          .filter((key) => !(key in valid) && !['conversationId', 'attachments'].includes(key)),
        fc.jsonValue(),
        (key, value) => {
          expect(sendMessageFrame.safeParse({ ...valid, [key]: value }).success).toBe(false)
          expect(messageInput.safeParse({ clientMsgId: 'c', body: 'b', [key]: value }).success).toBe(false)
        },
      ),
    )
  })

  it('takes a clientMsgId only of letters, digits and ._:-, so it is never an operator or a path', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 100 }), (clientMsgId) => {
        const ok = sendMessageFrame.safeParse({ ...valid, clientMsgId }).success
        expect(ok).toBe(/^[A-Za-z0-9._:-]+$/.test(clientMsgId))
      }),
    )
  })
})
