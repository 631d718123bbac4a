// Sending a message: checked, numbered and stored before anyone hears of it, in two store round trips.
import type { Db } from 'mongodb'
import { directConversationId, directKey } from '../conversations/direct.ts'
import { deliverToUsers } from '../delivery/fanout.ts'
import { inlineDeliveryLimit, queueDelivery } from '../delivery/jobs.ts'
import { ForbiddenError, InvalidError, NotFoundError } from '../errors.ts'
import { logger } from '../log.ts'
import { recordSend } from '../metrics/delivery.ts'
import { notifyOffline } from '../notifications/producers.ts'
import type { Limiter } from '../rate-limit/limiter.ts'
import type { Sql } from '../stores/postgres.ts'
import { markAttached, verifyAttachments } from '../uploads/attachments.ts'
import type { Destination, MessageInput } from './fields.ts'
import type { SendingDeps } from './sending-deps.ts'
import {
  isDuplicateKey,
  type Message,
  type MessageDocument,
  messageId,
  messagesOf,
  messageView,
  storeFault,
} from './store.ts'

export interface SendContext extends Pick<SendingDeps, 'fanout' | 'uploads' | 'notifications' | 'delivery'> {
  sql: Sql
  mongo: Db
  limiter: Limiter
}

export interface Sent {
  message: Message
  /** The members to tell: every active member of the conversation, the sender included. */
  memberIds: string[]
  /** True when this send stored nothing: a retry of a message already stored, answered with that message. */
  duplicate: boolean
}

interface Reservation {
  conversationId: string
  seq: number
  /** The clientMsgId already had this seq: a retry. */
  retry: boolean
  memberIds: string[]
}

/**
 * The send's one PostgreSQL statement, the database function `reserve_message` (migration 6): opens the direct
 * conversation when sent by `toUserId`, checks membership and the friendship rule, and either finds the seq this
 * clientMsgId already has or takes the next one on the conversation row, recording the key and moving the sender's
 * read marker. Not a MongoDB counter: FerretDB 1.24 runs findAndModify's $inc without isolation (40 concurrent
 * increments returned 5, 5, 7, 7, ...), and the row also gives unread counts their last seq for free.
 */
async function reserve(
  sql: Sql,
  senderId: string,
  to: Destination,
  clientMsgId: string,
): Promise<Reservation> {
  if ('toUserId' in to && to.toUserId === senderId)
    throw new InvalidError('A direct conversation needs another user.')
  const conversationId = 'toUserId' in to ? directConversationId(senderId, to.toUserId) : to.conversationId
  const peerId = 'toUserId' in to ? to.toUserId : null
  const [row] = await sql<
    {
      verdict: 'ok' | 'not_found' | 'forbidden'
      conversationType: 'direct' | 'group'
      seq: string | null
      retry: boolean
      memberIds: string[] | null
    }[]
  >`
    select verdict, conversation_type as "conversationType", seq::text, retry, member_ids as "memberIds"
    from reserve_message(${conversationId}, ${senderId}, ${clientMsgId}, ${peerId},
                         ${peerId === null ? null : directKey(senderId, peerId)})`
  if (row?.verdict === 'not_found') throw new NotFoundError('No such conversation.')
  if (row?.verdict !== 'ok' || row.seq === null || row.memberIds === null) {
    throw new ForbiddenError(
      row?.conversationType === 'group'
        ? 'Your account cannot send messages.'
        : 'You can message only your friends.',
    )
  }
  return { conversationId, seq: Number(row.seq), retry: row.retry, memberIds: row.memberIds }
}

/** The conversations a message's attachments are in, for the download check; written beside the message. */
async function recordAttachments(sql: Sql, conversationId: string, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return
  await sql`
    insert into message_attachments (upload_key, conversation_id)
    select key, ${conversationId} from unnest(${keys as string[]}::text[]) as key
    on conflict do nothing`
}

/**
 * Round trips before the answer, two whatever the history: (1) at once, the reservation statement above, the rate
 * limit and the attachments' one ranged GET each; (2) the insert under `_id` `<conversationId>:<seq>`, with the
 * attachments' conversation recorded beside it. A retry costs the same two, its (2) being the lookup of the first
 * message by that `_id`. Two copies of one send racing each other queue on the conversation row in (1), so the
 * second is a retry: one seq, one message, whichever insert lands first (the other gets a duplicate `_id` and
 * answers with it).
 * A send refused after (1) (rate limit, attachments) or whose insert failed keeps its reserved seq: its retry with
 * the same clientMsgId stores the message there (a third round trip, once), so seq stays gap-free for retries; a
 * seq is left empty only when such a send is never retried.
 */
export async function storeMessage(
  ctx: Omit<SendContext, 'fanout' | 'notifications' | 'delivery'>,
  senderId: string,
  to: Destination,
  input: MessageInput,
): Promise<Sent> {
  const [reserved, attachments] = await Promise.all([
    reserve(ctx.sql, senderId, to, input.clientMsgId),
    input.attachments.length > 0 ? verifyAttachments(ctx.uploads(), senderId, input.attachments) : [],
    ctx.limiter.consume(senderId),
  ])
  const { conversationId, seq, memberIds } = reserved
  const _id = messageId(conversationId, seq)
  const stored = (document: MessageDocument, duplicate: boolean): Sent => ({
    message: messageView(document),
    memberIds,
    duplicate,
  })
  const attachedKeys = attachments.map((attachment) => attachment.key)
  try {
    if (reserved.retry) {
      // Recorded again beside the lookup, in case the first attempt stored the message but not this.
      const [first] = await Promise.all([
        messagesOf(ctx.mongo).findOne({ _id }),
        recordAttachments(ctx.sql, conversationId, attachedKeys),
      ])
      if (first) return stored(first, true)
    }
    const document: MessageDocument = {
      _id,
      conversationId,
      seq,
      senderId,
      clientMsgId: input.clientMsgId,
      body: input.body,
      attachments,
      createdAt: new Date(),
    }
    try {
      await Promise.all([
        messagesOf(ctx.mongo).insertOne(document),
        recordAttachments(ctx.sql, conversationId, attachedKeys),
      ])
    } catch (error) {
      if (!isDuplicateKey(error)) throw error
      // Another copy of this send stored it first: its message is the answer.
      const first = await messagesOf(ctx.mongo).findOne({ _id })
      if (!first) throw error
      return stored(first, true)
    }
    return stored(document, false)
  } catch (error) {
    throw storeFault(error)
  }
}

export interface SendOptions {
  /** Answers the sender once the message is stored, before anyone else hears of it (the WebSocket ack). */
  acknowledge?: (sent: Sent) => Promise<void>
  /** The sending connection, which has its ack and gets no `message.new`. */
  exceptConnectionId?: string
}

/**
 * Stores, acknowledges, then sends `message.new` to every connection of every member but the sending one (the
 * sender's other devices included) and queues a notification job for each member with none: itself in a room of
 * up to `inlineDeliveryLimit` members, through delivery jobs (the worker does both) in a larger one. A retry is
 * acknowledged again and delivered to no one a second time: anyone who missed the first delivery sees the gap in
 * seq and reads it from the history. Once the message is stored, a failed ack, delivery, job or attachment tag is
 * logged and never fails the send.
 */
export async function sendMessage(
  ctx: SendContext,
  senderId: string,
  to: Destination,
  input: MessageInput,
  options: SendOptions = {},
): Promise<Sent> {
  const started = performance.now()
  const sent = await storeMessage(ctx, senderId, to, input)
  const { message } = sent
  await options
    .acknowledge?.(sent)
    .catch((error: unknown) =>
      logger.warn('message ack not delivered', { error: error as Error, messageId: message.id }),
    )
  recordSend(sent, started)
  if (sent.duplicate) return sent
  const deliver = async () => {
    const except = { exceptConnectionId: options.exceptConnectionId }
    if (sent.memberIds.length > inlineDeliveryLimit) {
      await queueDelivery(ctx.delivery(), message, sent.memberIds, except)
      return
    }
    const frame = { type: 'message.new', message }
    const delivery = await deliverToUsers(ctx.fanout(), sent.memberIds, frame, except)
    await notifyOffline(ctx.notifications(), message, delivery.offlineUserIds)
  }
  const keys = message.attachments.map((attachment) => attachment.key)
  await Promise.all([
    deliver().catch((error: unknown) =>
      logger.error('message stored but not delivered', { error: error as Error, messageId: message.id }),
    ),
    (keys.length > 0 ? markAttached(ctx.uploads(), keys) : Promise.resolve()).catch((error: unknown) =>
      logger.warn('attachments not marked attached', { error: error as Error, messageId: message.id }),
    ),
  ])
  return sent
}
