// Messages on the wire: what a sent message may hold (HTTP and WebSocket alike) and what every client reads back.
import * as z from 'zod'
import { id, isoTime, seq } from './shared.ts'

/** In UTF-16 code units, as clients count a string's length. */
export const maxBodyLength = 4000
export const maxAttachmentsPerMessage = 10

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

const uuidPattern = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'
/** A file name as it appears in a key: what lib/uploads/keys.ts makes of the name a client gave. */
export const safeNamePattern = '[A-Za-z0-9][A-Za-z0-9._-]{0,99}'
/** `uploads/<owner id>/<random id>/<safe name>`: the key POST /uploads hands out. */
export const uploadKeyPattern = new RegExp(`^uploads/(${uuidPattern})/(${uuidPattern})/(${safeNamePattern})$`)

/** Any string the server could have produced as an upload key; everything else is refused before a store is asked. */
export const uploadKey = z.string().max(200).regex(uploadKeyPattern, 'must be an upload key')

/** What a client sends: upload keys only; everything else about a file is read from the store. */
export const attachmentRefs = z
  .array(z.strictObject({ key: uploadKey }))
  .max(maxAttachmentsPerMessage)
  .refine((refs) => new Set(refs.map((ref) => ref.key)).size === refs.length, 'must not repeat a key')
export type AttachmentRef = z.infer<typeof attachmentRefs>[number]

/** The seq of a message already in the conversation. */
export const messageSeq = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER)

const content = {
  clientMsgId,
  body: body.default(''),
  /** Upload keys; what is stored about each file is read from the uploads bucket (lib/uploads). */
  attachments: attachmentRefs.default([]),
  /** The seq of the message this one answers, in the same conversation. */
  replyTo: messageSeq.optional(),
}

export const hasContent = (message: { body: string; attachments: unknown[] }) =>
  message.body.trim().length > 0 || message.attachments.length > 0
const contentRule = { message: 'a message needs a body or an attachment', path: ['body'] }

/** POST /conversations/{id}/messages. */
export const messageInput = z
  .strictObject(content)
  .refine(hasContent, contentRule)
  .meta({ id: 'MessageInput' })
export type MessageInput = z.infer<typeof messageInput>

/** The fields a `sendMessage` frame shares with the HTTP body, for the frame's own schema (ws.ts). */
export const messageContent = { fields: content, rule: contentRule }

/** What a message holds about each file; `key` is the pinned copy's, which serves the checked bytes. */
export const attachment = z
  .object({ key: z.string(), name: z.string(), contentType: z.string(), size: z.number().int() })
  .meta({ id: 'Attachment' })
export type Attachment = z.infer<typeof attachment>

/**
 * A reaction: one emoji (skin tones and joined sequences included), never text, so it can key a count.
 * Dots and dollars cannot occur, which keeps it safe as a stored field name too.
 */
export const emoji = z
  .string()
  .min(1, 'is required')
  .max(32, 'must have at most 32 characters')
  .regex(/^(?:\p{Extended_Pictographic}|\p{Emoji_Component}|\u200d|\ufe0f|\u20e3)+$/u, 'must be an emoji')
  .refine((text) => /\p{Extended_Pictographic}|\u20e3|\p{Regional_Indicator}/u.test(text), 'must be an emoji')

/** How many members reacted with each emoji; an emoji nobody holds any more is absent. */
export const reactionCounts = z.record(z.string(), z.number().int().min(1)).meta({ id: 'ReactionCounts' })
export type ReactionCounts = z.infer<typeof reactionCounts>

/**
 * What a reply shows of the message it answers: its current body, or that it was deleted, or (to a member who
 * blocked its sender, in a group) that it is hidden.
 */
export const quote = z
  .object({
    seq,
    senderId: id,
    body: z.string(),
    deleted: z.literal(true).optional(),
    hidden: z.literal(true).optional(),
  })
  .meta({ id: 'Quote' })
export type Quote = z.infer<typeof quote>

/**
 * A message as every client sees it; `id` is `<conversationId>:<seq>`. A deleted one is a tombstone (`deleted`, no
 * body, no attachments, same seq); one from a member the reader blocked is `hidden` (no body, no attachments).
 */
export const message = z
  .object({
    id: z.string(),
    conversationId: id,
    seq,
    senderId: id,
    clientMsgId: z.string(),
    body: z.string(),
    attachments: z.array(attachment),
    createdAt: isoTime,
    editedAt: isoTime.optional(),
    deleted: z.literal(true).optional(),
    hidden: z.literal(true).optional(),
    replyTo: quote.optional(),
    reactions: reactionCounts.optional(),
  })
  .meta({ id: 'Message' })
export type Message = z.infer<typeof message>

/**
 * Who besides its sender has received and read a message: counts in a group, the user ids in a direct
 * conversation. Computed from the members' cumulative markers, so a send writes nothing per member for it.
 */
const groupReceipts = { deliveredTo: z.number().int().min(0), readBy: z.number().int().min(0) }
const directReceipts = { deliveredTo: z.array(id), readBy: z.array(id) }
export type Receipts =
  | z.infer<z.ZodObject<typeof groupReceipts>>
  | z.infer<z.ZodObject<typeof directReceipts>>

/**
 * A message as history gives it: with its receipts. Each a whole object rather than an intersection, so the
 * documents can keep refusing properties a message does not have.
 */
export const historyMessage = z
  .union([message.extend(groupReceipts), message.extend(directReceipts)])
  .meta({ id: 'HistoryMessage' })
export type HistoryMessage = z.infer<typeof historyMessage>
