// The jobs producers queue: message.new for recipients with no live connection, and friend events.
import type { UserEventSink } from '../events/user-events.ts'
import { enqueueNotifications, type JobQueue, maxPreviewLength, type NotificationJobInput } from './jobs.ts'

/** What a message.new job needs of a stored message. */
export interface MessageFacts {
  id: string
  conversationId: string
  seq: number
  senderId: string
  body: string
  createdAt: string | Date
  attachments?: readonly { name: string }[]
}

/** The first characters of the body (whole code points), or the first attachment's name for a file alone. */
export function previewOf(message: Pick<MessageFacts, 'body' | 'attachments'>): string {
  const text = message.body.trim() || (message.attachments?.[0] ? `📎 ${message.attachments[0].name}` : '')
  const points = [...text]
  return points.length <= maxPreviewLength ? text : `${points.slice(0, maxPreviewLength - 1).join('')}…`
}

/** One message.new job per recipient, for the users the live fan-out found offline. */
export function messageJobs(message: MessageFacts, recipientIds: readonly string[]): NotificationJobInput[] {
  const at = new Date(message.createdAt).toISOString()
  const preview = previewOf(message)
  return [...new Set(recipientIds)]
    .filter((userId) => userId !== message.senderId)
    .map((userId) => ({
      kind: 'message.new',
      userId,
      at,
      conversationId: message.conversationId,
      messageId: message.id,
      seq: message.seq,
      senderId: message.senderId,
      preview,
    }))
}

/** Queues message.new jobs for `offlineUserIds` in as few SendMessageBatch calls as the count allows. */
export async function notifyOffline(
  queue: JobQueue,
  message: MessageFacts,
  offlineUserIds: readonly string[],
): Promise<void> {
  const jobs = messageJobs(message, offlineUserIds)
  if (jobs.length > 0) await enqueueNotifications(queue.sqs, queue.queueUrl, jobs)
}

/**
 * Friend requests and acceptances always reach the inbox, online or not: the inbox is the lasting record, and
 * the worker also pushes the new entry to any connection the user has. Compose it with the live sink.
 */
export function notificationUserEventSink(queueOf: JobQueue | (() => JobQueue)): UserEventSink {
  return async (event) => {
    // A getter lets a handler wire the sink at import time without reading configuration then.
    const queue = typeof queueOf === 'function' ? queueOf() : queueOf
    await enqueueNotifications(queue.sqs, queue.queueUrl, [
      {
        kind: event.type,
        userId: event.userId,
        from: { id: event.from.id, username: event.from.username, displayName: event.from.displayName },
        at: event.at,
      },
    ])
  }
}
