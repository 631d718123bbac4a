// Sending a message: checked, numbered and stored before anyone hears of it, in two store round trips.
import type { Db } from 'mongodb'
import { blockersOf } from '../conversations/audience.ts'
import { directConversationId, directKey } from '../conversations/direct.ts'
import { deliverToUsers } from '../delivery/fanout.ts'
import { type DeliveryView, inlineDeliveryLimit, queueDelivery } from '../delivery/jobs.ts'
import { ForbiddenError, InvalidError, NotFoundError } from '../errors.ts'
import { logger } from '../log.ts'
import { recordSend } from '../metrics/delivery.ts'
import { notifyOffline } from '../notifications/producers.ts'
import type { MessageInput } from '../protocol/messages.ts'
import { frames, placed } from '../protocol/ws.ts'
import type { Limiter } from '../rate-limit/limiter.ts'
import type { Sql } from '../stores/postgres.ts'
import { type Committed, committedFrom, cursorFor, relogMessage } from '../sync/log.ts'
import { markAttached, verifyAttachments } from '../uploads/attachments.ts'
import type { SendingDeps } from './sending-deps.ts'
import {
  hiddenQuoteView,
  hiddenView,
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
  /** Those of them who blocked the sender in a group: they are sent the message hidden. */
  hiddenFrom: string[]
  group: boolean
  /** True when this send stored nothing: a retry of a message already stored, answered with that message. */
  duplicate: boolean
  /** The message's event number and where its transaction committed, for the frames' sync place; not on a retry. */
  logged?: { event: number; committed: Committed }
}

interface Reservation {
  conversationId: string
  seq: number
  /** The message's number in the conversation's event log; none for a retry of a send older than the log. */
  event: number | null
  /** The clientMsgId already had this seq: a retry. */
  retry: boolean
  memberIds: string[]
  hiddenFrom: string[]
  group: boolean
  /** Where the statement committed the new event; none for a retry, which writes nothing. */
  committed: Committed | null
}

function conversationIdOf(senderId: string, to: Destination): string {
  return 'toUserId' in to ? directConversationId(senderId, to.toUserId) : to.conversationId
}

/**
 * The send's one PostgreSQL statement, the database function `reserve_message` (migrations 6 and 7): opens the direct
 * conversation when sent by `toUserId`, checks membership and the friendship rule, and either finds the seq and
 * event number this clientMsgId already has or takes the next of each on the conversation row, recording the key
 * and moving the sender's read marker. Not a MongoDB counter: FerretDB 1.24 runs findAndModify's $inc without isolation (40 concurrent
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
  const conversationId = conversationIdOf(senderId, to)
  const peerId = 'toUserId' in to ? to.toUserId : null
  const [row] = await sql<
    {
      verdict: 'ok' | 'not_found' | 'forbidden'
      conversationType: 'direct' | 'group'
      seq: string | null
      event: string | null
      retry: boolean
      memberIds: string[] | null
      hiddenFrom: string[] | null
      syncSnapshot: string
      syncXid: string | null
    }[]
  >`
    select verdict, conversation_type as "conversationType", seq::text, event::text, retry,
           member_ids as "memberIds", hidden_from as "hiddenFrom",
           pg_current_snapshot()::text as "syncSnapshot", pg_current_xact_id_if_assigned()::text as "syncXid"
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
  return {
    conversationId,
    seq: Number(row.seq),
    event: row.event === null ? null : Number(row.event),
    retry: row.retry,
    memberIds: row.memberIds,
    hiddenFrom: row.hiddenFrom ?? [],
    group: row.conversationType === 'group',
    committed:
      row.syncXid === null ? null : committedFrom({ syncSnapshot: row.syncSnapshot, syncXid: row.syncXid }),
  }
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
 * limit, the attachments' one ranged GET each and the replied-to message by `_id`; (2) the insert under `_id`
 * `<conversationId>:<seq>`, with the attachments' conversation written beside it. A retry costs the same two, its
 * (2) being the lookup of the first message by that `_id` (beside the attachments, written again in case the first
 * attempt stored the message but not them). The message's event needs no record of its own: the statement (1)
 * logged its number with its seq (sync/log.ts), and sync reads the message by that seq. Two copies of one send
 * racing each other queue on the conversation row in (1), so the second is a retry: one seq, one message,
 * whichever insert lands first (the other gets a duplicate `_id` and answers with it).
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
  const { replyTo } = input
  const [reserved, attachments, , parent] = await Promise.all([
    reserve(ctx.sql, senderId, to, input.clientMsgId),
    input.attachments.length > 0 ? verifyAttachments(ctx.uploads(), senderId, input.attachments) : [],
    ctx.limiter.consume(senderId),
    // Read before membership is known, and looked at only once it is.
    replyTo === undefined
      ? null
      : messagesOf(ctx.mongo)
          .findOne({ _id: messageId(conversationIdOf(senderId, to), replyTo) })
          .catch((error: unknown) => {
            throw storeFault(error)
          }),
  ])
  const { conversationId, seq, memberIds, hiddenFrom, group } = reserved
  if (replyTo !== undefined && (parent === null || replyTo >= seq))
    throw new InvalidError('replyTo names no message of this conversation.', [
      { path: 'replyTo', message: 'names no message of this conversation' },
    ])
  const _id = messageId(conversationId, seq)
  const stored = (
    document: MessageDocument,
    duplicate: boolean,
    committed: Committed | null = reserved.committed,
  ): Sent => ({
    message: messageView(document, parent),
    memberIds,
    hiddenFrom,
    group,
    duplicate,
    ...(!duplicate &&
      reserved.event !== null &&
      committed !== null && { logged: { event: reserved.event, committed } }),
  })
  const attachedKeys = attachments.map((attachment) => attachment.key)
  const createdAt = new Date()
  try {
    if (reserved.retry) {
      // Recorded again beside the lookup, in case the first attempt stored the message but not these.
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
      createdAt,
      ...(replyTo !== undefined && { replyTo }),
    }
    /*
     * A retry storing what its first attempt could not: its event was logged for sync back then, with no message to
     * show, and a reader who passed it since skipped it; logged again now, it reaches them.
     */
    const relogged =
      reserved.retry && reserved.event !== null
        ? relogMessage(ctx.sql, conversationId, reserved.event, seq)
        : Promise.resolve(null)
    try {
      await Promise.all([
        messagesOf(ctx.mongo).insertOne(document),
        recordAttachments(ctx.sql, conversationId, attachedKeys),
        relogged,
      ])
    } catch (error) {
      if (!isDuplicateKey(error)) throw error
      // Another copy of this send stored it first: its message is the answer.
      const first = await messagesOf(ctx.mongo).findOne({ _id })
      if (!first) throw error
      return stored(first, true)
    }
    return stored(document, false, reserved.retry ? await relogged : reserved.committed)
  } catch (error) {
    throw storeFault(error)
  }
}

/** Where a message goes: a conversation the sender is in, or a friend. */
export type Destination = { conversationId: string } | { toUserId: string }

export interface SendOptions {
  /** Answers the sender once the message is stored, before anyone else hears of it (the WebSocket ack). */
  acknowledge?: (sent: Sent) => Promise<void>
  /** The sending connection, which has its ack and gets no `message.new`. */
  exceptConnectionId?: string
}

/**
 * Stores, acknowledges, then sends `message.new` to every connection of every member but the sending one (the
 * sender's other devices included; in a group, members who blocked the sender get it hidden, and a reply quoting a
 * blocked member's message quotes it hidden to the blocker) and queues a notification job for each member with none
 * but those who blocked the sender: itself in a room of up to `inlineDeliveryLimit` members, through delivery jobs
 * (the worker does both, each job carrying its recipients' view) in a larger one. A retry is
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
    const hidden = new Set(sent.hiddenFrom)
    const shown = sent.memberIds.filter((id) => !hidden.has(id))
    // A reply in a group quotes its parent hidden to the members who blocked the parent's sender.
    const quoteHidden =
      sent.group && message.replyTo ? await blockersOf(ctx.sql, message.replyTo.senderId, shown) : new Set()
    // Each group of members with the view it is sent; members who blocked the sender get no notification of it.
    const views: DeliveryView[] = [
      { message, recipientIds: shown.filter((id) => !quoteHidden.has(id)), notifyOffline: true },
      {
        message: hiddenQuoteView(message),
        recipientIds: shown.filter((id) => quoteHidden.has(id)),
        notifyOffline: true,
      },
      { message: hiddenView(message), recipientIds: sent.hiddenFrom, notifyOffline: false },
    ].filter((view) => view.recipientIds.length > 0)
    const except = { exceptConnectionId: options.exceptConnectionId }
    const place = sent.logged && {
      event: sent.logged.event,
      cursor: await cursorFor(ctx.sql, sent.logged.committed),
    }
    if (sent.memberIds.length > inlineDeliveryLimit) {
      await queueDelivery(ctx.delivery(), views, { ...except, place })
      return
    }
    const offline = await Promise.all(
      views.map(async (view) => {
        const frame = frames.messageNew(view.message)
        const delivery = await deliverToUsers(
          ctx.fanout(),
          view.recipientIds,
          place ? placed(frame, place) : frame,
          except,
        )
        return view.notifyOffline ? delivery.offlineUserIds : []
      }),
    )
    await notifyOffline(ctx.notifications(), message, offline.flat())
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
