// /push: the VAPID public key, Web Push subscriptions and the user's push settings.
import * as z from 'zod'
import { id, isoTime } from '../shared.ts'
import type { RouteContract } from './contract.ts'

const base64url = (bytes: number, what: string) =>
  z.string().regex(new RegExp(`^[A-Za-z0-9_-]{${Math.ceil((bytes * 4) / 3)}}$`), `must be ${what}, base64url`)

/** A browser's `PushSubscription.toJSON()`: the endpoint, the P-256 key and auth secret the payload is encrypted to. */
export const subscriptionInput = z
  .strictObject({
    endpoint: z.string().max(2048),
    expirationTime: z.number().nullable().optional(),
    keys: z.strictObject({
      p256dh: base64url(65, 'an uncompressed P-256 point'),
      auth: base64url(16, '16 bytes'),
    }),
  })
  .meta({ id: 'PushSubscriptionInput' })
export type SubscriptionInput = z.infer<typeof subscriptionInput>

export const pushSubscription = z
  .object({ id, endpoint: z.string(), createdAt: isoTime })
  .meta({ id: 'PushSubscription' })
export type PushSubscription = z.infer<typeof pushSubscription>

/** Off by default: push services and lock screens see what a push shows. */
export const pushSettings = z.strictObject({ showPreview: z.boolean() }).meta({ id: 'PushSettings' })
export type PushSettings = z.infer<typeof pushSettings>

/**
 * What a service worker decrypts from a push (RFC 8291): enough to show a notification and open the conversation;
 * `preview` only for users who turned previews on.
 */
export const messagePushPayload = z
  .object({
    type: z.literal('message.new'),
    conversationId: id,
    seq: z.number().int().positive(),
    messageId: z.string(),
    senderId: id,
    preview: z.string().optional(),
  })
  .meta({ id: 'MessagePushPayload' })
export type MessagePushPayload = z.infer<typeof messagePushPayload>

export const subscriptionPath = z.strictObject({ id: z.uuid({ message: 'must be a subscription id' }) })

const area = 'push'

export const pushRoutes = {
  'GET /push/key': {
    area,
    summary: 'The VAPID public key to give PushManager.subscribe as applicationServerKey',
    auth: true,
    responses: { 200: z.object({ publicKey: z.string() }).meta({ id: 'VapidPublicKey' }) },
  },
  'POST /push/subscriptions': {
    area,
    summary:
      'Register a browser subscription (201; 200 when the endpoint was known); an endpoint off the allowlist of push services, or resolving to an internal address, is refused (400)',
    auth: true,
    body: subscriptionInput,
    responses: { 200: pushSubscription, 201: pushSubscription },
  },
  'DELETE /push/subscriptions/{id}': {
    area,
    summary: 'Remove one of your subscriptions',
    auth: true,
    path: subscriptionPath,
    responses: { 204: null },
    problems: [404],
  },
  'GET /push/settings': {
    area,
    summary: 'Whether your pushes carry a preview of the body',
    auth: true,
    responses: { 200: pushSettings },
  },
  'PUT /push/settings': {
    area,
    summary: 'Turn body previews in pushes on or off',
    auth: true,
    body: pushSettings,
    responses: { 200: pushSettings },
  },
} satisfies Record<string, RouteContract>
