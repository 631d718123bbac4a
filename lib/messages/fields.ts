// What a sent message may hold, over HTTP and WebSocket alike: limits, the retry key, attachment references.
import * as z from 'zod'
import { conversationId, memberId } from '../conversations/fields.ts'
import { attachmentRefs } from '../uploads/attachments.ts'

/** In UTF-16 code units, as clients count a string's length. */
export const maxBodyLength = 4000

/** The client's own id for a message, so that a retry is recognised; letters, digits and `._:-`. */
export const clientMsgId = z
  .string()
  .min(1, 'is required')
  .max(100, 'must have at most 100 characters')
  .regex(/^[A-Za-z0-9._:-]+$/, 'must be letters, digits or ._:- only')

export const body = z
  .string()
  .max(maxBodyLength, `must have at most ${maxBodyLength} characters`)
  .refine((text) => !text.includes('\u0000'), 'must not contain NUL characters')

const content = {
  clientMsgId,
  body: body.default(''),
  /** Upload keys; what is stored about each file is read from the uploads bucket (lib/uploads). */
  attachments: attachmentRefs.default([]),
}

const hasContent = (message: { body: string; attachments: unknown[] }) =>
  message.body.trim().length > 0 || message.attachments.length > 0
const contentRule = { message: 'a message needs a body or an attachment', path: ['body'] }

/** POST /conversations/{id}/messages. */
export const messageInput = z.strictObject(content).refine(hasContent, contentRule)
export type MessageInput = z.infer<typeof messageInput>

/** The `sendMessage` frame: to a conversation, or to a friend by `toUserId` (opening the direct conversation). */
export const sendMessageFrame = z
  .strictObject({
    action: z.literal('sendMessage'),
    conversationId: conversationId.optional(),
    toUserId: memberId.optional(),
    ...content,
  })
  .refine(hasContent, contentRule)
  .refine((frame) => (frame.conversationId === undefined) !== (frame.toUserId === undefined), {
    message: 'name exactly one of conversationId, toUserId',
    path: ['conversationId'],
  })
export type SendMessageFrame = z.infer<typeof sendMessageFrame>

/** Where a message goes: a conversation the sender is in, or a friend. */
export type Destination = { conversationId: string } | { toUserId: string }
