// Web Push of a new message to a user's subscribed browsers: encrypted per RFC 8291, signed with VAPID (RFC 8292).
import webpush from 'web-push'
import type { VapidKeys } from '../config.ts'
import { forEachBounded } from '../delivery/bounded.ts'
import { logger } from '../log.ts'
import type { NotificationJob } from '../notifications/jobs.ts'
import type { MessagePushPayload } from '../protocol/http/push.ts'
import type { Sql } from '../stores/postgres.ts'
import type { EndpointPolicy, Resolve } from './endpoints.ts'
import { forgetGoneSubscription, type PushSubscriptionRow, pushTargetsOf } from './subscriptions.ts'
import { postPush } from './transport.ts'

export type MessageJob = Extract<NotificationJob, { kind: 'message.new' }>

export interface WebPushDeps {
  sql: () => Promise<Sql>
  keys: () => Promise<VapidKeys>
  policy: () => EndpointPolicy
  resolve?: Resolve
}

export interface PushOutcome {
  sent: number
  /** Subscriptions their push service answered 404 or 410 for: removed. */
  gone: number
  failed: number
}

/** How long a push service keeps an undelivered push: a day, after which the inbox is the record. */
const timeToLiveSeconds = 24 * 60 * 60
const concurrency = 8
/** A push service slower than this is given up on: ten subscriptions, eight at once, stay within the worker's 30 s. */
const pushTimeoutMs = 5_000

export function messagePush(job: MessageJob, showPreview: boolean): MessagePushPayload {
  return {
    type: 'message.new',
    conversationId: job.conversationId,
    seq: job.seq,
    messageId: job.messageId,
    senderId: job.senderId,
    ...(showPreview ? { preview: job.preview } : {}),
  }
}

/**
 * One push per subscription of the job's user, never to the sender. A 404 or 410 removes the subscription; any
 * other failure is logged and not retried: the inbox entry is what lasts, and a retried job pushes nothing.
 */
export async function pushMessage(deps: WebPushDeps, job: MessageJob): Promise<PushOutcome> {
  const outcome: PushOutcome = { sent: 0, gone: 0, failed: 0 }
  if (job.userId === job.senderId) return outcome
  const sql = await deps.sql()
  const { subscriptions, showPreview } = await pushTargetsOf(sql, job.userId)
  if (subscriptions.length === 0) return outcome
  const keys = await deps.keys()
  const payload = JSON.stringify(messagePush(job, showPreview))
  await forEachBounded(subscriptions, concurrency, async (subscription: PushSubscriptionRow) => {
    try {
      const request = webpush.generateRequestDetails(
        { endpoint: subscription.endpoint, keys: { p256dh: subscription.p256dh, auth: subscription.auth } },
        payload,
        {
          vapidDetails: keys,
          TTL: timeToLiveSeconds,
          contentEncoding: 'aes128gcm',
          urgency: 'high',
        },
      )
      const status = await postPush(
        { endpoint: request.endpoint, method: request.method, headers: request.headers, body: request.body },
        { policy: deps.policy(), resolve: deps.resolve, timeoutMs: pushTimeoutMs },
      )
      if (status >= 200 && status < 300) {
        outcome.sent++
      } else if (status === 404 || status === 410) {
        outcome.gone++
        await forgetGoneSubscription(sql, subscription)
      } else {
        outcome.failed++
        logger.warn('push not accepted', { status, subscriptionId: subscription.id })
      }
    } catch (error) {
      outcome.failed++
      logger.warn('push not sent', { error: error as Error, subscriptionId: subscription.id })
    }
  })
  return outcome
}
