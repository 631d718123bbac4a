// Sending a message: checked, numbered and stored before anyone hears of it, in three store round trips at most.
import { randomUUID } from 'node:crypto'
import type { Db } from 'mongodb'
import { writeAccess } from '../conversations/access.ts'
import { directConversationId, openDirect } from '../conversations/direct.ts'
import { ForbiddenError } from '../errors.ts'
import { logger } from '../log.ts'
import { recordSend } from '../metrics/delivery.ts'
import { notifyOffline } from '../notifications/producers.ts'
import type { Limiter } from '../rate-limit/limiter.ts'
import type { Sql } from '../stores/postgres.ts'
import { markAttached, verifyAttachments } from '../uploads/attachments.ts'
import { deliverToUsers } from '../ws/fanout.ts'
import type { Destination, MessageInput } from './fields.ts'
import type { SendingDeps } from './sending-deps.ts'
import {
  isDuplicateKey,
  type Message,
  type MessageDocument,
  messageByClientMsgId,
  messagesOf,
  messageView,
  storeFault,
} from './store.ts'

export interface SendContext extends Pick<SendingDeps, 'fanout' | 'uploads' | 'notifications'> {
  sql: Sql
  mongo: Db
  limiter: Limiter
}

export interface Sent {
  message: Message
  /** Everyone in the conversation, the sender included. */
  memberIds: string[]
  /** True when this was a retry: the first message is answered and nothing new was stored. */
  duplicate: boolean
}

async function memberIdsFor(sql: Sql, senderId: string, to: Destination): Promise<string[]> {
  if ('toUserId' in to) return (await openDirect(sql, senderId, to.toUserId)).memberIds
  const access = await writeAccess(sql, to.conversationId, senderId)
  if (!access.allowed) {
    throw new ForbiddenError(
      access.type === 'direct' ? 'You can message only your friends.' : 'Your account cannot send messages.',
    )
  }
  return access.memberIds
}

/**
 * Takes the conversation's next seq on its row (a row lock orders concurrent senders, so seqs never repeat) and
 * moves the sender's own read marker to it in the same statement. Not a MongoDB counter: FerretDB 1.24 runs
 * findAndModify's $inc without isolation (40 concurrent increments returned 5, 5, 7, 7, ...), and the row also
 * gives unread counts their last seq for free.
 */
async function takeSeq(sql: Sql, conversationId: string, senderId: string): Promise<number> {
  const [row] = await sql<{ seq: string }[]>`
    with next as (
      update conversations set last_seq = last_seq + 1, last_message_at = greatest(last_message_at, now())
      where id = ${conversationId}
      returning last_seq
    ), own as (
      update conversation_members set last_read_seq = greatest(last_read_seq, (select last_seq from next))
      where conversation_id = ${conversationId} and user_id = ${senderId}
    )
    select last_seq::text as seq from next`
  if (!row) throw new Error(`conversation ${conversationId} vanished while a message was sent to it`)
  return Number(row.seq)
}

/**
 * Round trips before the answer: (1) at once, the membership and friendship check (opening a direct conversation
 * if needed), the lookup of an earlier send with this clientMsgId, the rate limit and the attachments' one ranged
 * GET each; (2) the seq; (3) the insert.
 * A retry is answered after (1) and takes no seq. A seq is lost (a gap, never a repeat) only when the insert
 * fails after it was taken, or when two copies of one send race past (1) together.
 */
export async function storeMessage(
  ctx: Omit<SendContext, 'fanout' | 'notifications'>,
  senderId: string,
  to: Destination,
  input: MessageInput,
): Promise<Sent> {
  const conversationId = 'toUserId' in to ? directConversationId(senderId, to.toUserId) : to.conversationId
  const [memberIds, earlier, attachments] = await Promise.all([
    memberIdsFor(ctx.sql, senderId, to),
    messageByClientMsgId(ctx.mongo, conversationId, senderId, input.clientMsgId).catch((error: unknown) => {
      throw storeFault(error)
    }),
    input.attachments.length > 0 ? verifyAttachments(ctx.uploads(), senderId, input.attachments) : [],
    ctx.limiter.consume(senderId),
  ])
  if (earlier) return { message: messageView(earlier), memberIds, duplicate: true }

  const seq = await takeSeq(ctx.sql, conversationId, senderId)
  const document: MessageDocument = {
    _id: randomUUID(),
    conversationId,
    seq,
    senderId,
    clientMsgId: input.clientMsgId,
    body: input.body,
    attachments,
    createdAt: new Date(),
  }
  try {
    await messagesOf(ctx.mongo).insertOne(document)
  } catch (error) {
    if (!isDuplicateKey(error)) throw storeFault(error)
    // Another copy of this send got in first: its message is the answer, and this seq stays unused.
    const first = await messageByClientMsgId(ctx.mongo, conversationId, senderId, input.clientMsgId)
    if (!first) throw error
    return { message: messageView(first), memberIds, duplicate: true }
  }
  return { message: messageView(document), memberIds, duplicate: false }
}

export interface SendOptions {
  /** Answers the sender once the message is stored, before anyone else hears of it (the WebSocket ack). */
  acknowledge?: (sent: Sent) => Promise<void>
  /** The sending connection, which has its ack and gets no `message.new`. */
  exceptConnectionId?: string
}

/**
 * Stores, acknowledges, then sends `message.new` to every connection of every member but the sending one (the
 * sender's other devices included) and queues a notification job for each member with none. A retry is
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
    const frame = { type: 'message.new', message }
    const delivery = await deliverToUsers(ctx.fanout(), sent.memberIds, frame, {
      exceptConnectionId: options.exceptConnectionId,
    })
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
