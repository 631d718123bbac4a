// /uploads, /notifications and /health.
import * as z from 'zod'
import { healthReport, inboxPage, presignedDownload, presignedUpload } from '../entities.ts'
import { pageQuery } from '../shared.ts'
import type { RouteContract } from './contract.ts'

// Control characters and bidirectional overrides would let a name disguise itself (as in lib/users/fields.ts).
const disguising = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u

export const uploadRequest = z
  .strictObject({
    // 200 UTF-16 units, percent-encoded, stay under S3's 2 KB of user metadata.
    fileName: z
      .string()
      .trim()
      .normalize('NFC')
      .min(1)
      .max(200)
      .refine((name) => !disguising.test(name), 'must not contain control characters'),
    contentType: z
      .string()
      .trim()
      .toLowerCase()
      .max(128)
      .regex(/^[a-z0-9.+-]+\/[a-z0-9.+-]+$/, 'must be a media type such as image/png'),
    size: z.number().int().positive(),
  })
  .meta({ id: 'UploadRequest' })
export type UploadRequest = z.infer<typeof uploadRequest>

export const inboxQuery = z.strictObject(pageQuery(100, 20))
export type InboxQuery = z.infer<typeof inboxQuery>

const notificationId = z.string().regex(/^[0-9a-f]{24}$/, 'must be a notification id')

export const notificationsRead = z
  .union([
    z.strictObject({ ids: z.array(notificationId).min(1).max(100) }),
    z.strictObject({ all: z.literal(true) }),
  ])
  .meta({ id: 'NotificationsRead' })
export type NotificationsRead = z.infer<typeof notificationsRead>

export const fileRoutes = {
  'POST /uploads': {
    area: 'uploads',
    summary: 'A presigned POST for one file of a declared type and size',
    auth: true,
    body: uploadRequest,
    responses: { 200: presignedUpload },
    problems: [413, 415],
  },
  'GET /uploads/{key+}': {
    area: 'uploads',
    summary: 'A short-lived presigned GET, for the owner and members of a conversation holding the file',
    auth: true,
    path: z.strictObject({ key: z.string().max(1024) }),
    responses: { 200: presignedDownload },
    problems: [404],
  },
  'GET /notifications': {
    area: 'notifications',
    summary: 'Your notification inbox, newest first, with the unread count',
    auth: true,
    query: inboxQuery,
    responses: { 200: inboxPage },
  },
  'POST /notifications/read': {
    area: 'notifications',
    summary: 'Mark the given entries (or all) read',
    auth: true,
    body: notificationsRead,
    responses: {
      200: z
        .object({ updated: z.number().int(), unreadCount: z.number().int() })
        .meta({ id: 'NotificationsReadResult' }),
    },
  },
  'GET /health': {
    area: 'health',
    summary: 'Each store reachable or not (503 when one is not)',
    auth: false,
    responses: { 200: healthReport, 503: healthReport },
  },
} satisfies Record<string, RouteContract>
