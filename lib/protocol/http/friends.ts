// /friends and /presence: requests and their answers, blocks, lists, and friends' online status.
import * as z from 'zod'
import * as fields from '../../users/fields.ts'
import { friendship, presence } from '../entities.ts'
import { page, pageQuery } from '../shared.ts'
import type { RouteContract } from './contract.ts'

// Lower-cased: ids are compared and ordered as text, and PostgreSQL prints them lower-case.
export const otherUserPath = z.strictObject({ userId: fields.userId.transform((id) => id.toLowerCase()) })

export const friendsQuery = z.strictObject(pageQuery(100, 50))
export type FriendsQuery = z.infer<typeof friendsQuery>

export const requestsQuery = z.strictObject({
  direction: z.enum(['incoming', 'outgoing']).default('incoming'),
  ...pageQuery(100, 50),
})
export type RequestsQuery = z.infer<typeof requestsQuery>

export const maxPresenceIds = 100

export const presenceQuery = z.strictObject({
  /** Comma-separated user ids. */
  userIds: z
    .string()
    .transform((text) => [
      ...new Set(
        text
          .split(',')
          .map((id) => id.trim())
          .filter((id) => id.length > 0),
      ),
    ])
    .pipe(
      z
        .array(fields.userId)
        .min(1, 'must name at least one user')
        .max(maxPresenceIds, `must name at most ${maxPresenceIds} users`),
    ),
})
export type PresenceQuery = z.infer<typeof presenceQuery>

const area = 'friends'
const friendshipPage = page(friendship).meta({ id: 'FriendshipPage' })

export const friendRoutes = {
  'POST /friends/{userId}': {
    area,
    summary: 'Ask a user to be friends (201); accepts at once if they already asked you (200)',
    auth: true,
    path: otherUserPath,
    responses: { 200: friendship, 201: friendship },
    problems: [403, 404, 409],
  },
  'POST /friends/{userId}/accept': {
    area,
    summary: "Accept a user's request",
    auth: true,
    path: otherUserPath,
    responses: { 200: friendship },
    problems: [404, 409],
  },
  'POST /friends/{userId}/decline': {
    area,
    summary: "Decline a user's request",
    auth: true,
    path: otherUserPath,
    responses: { 204: null },
    problems: [404],
  },
  'DELETE /friends/{userId}': {
    area,
    summary: 'Unfriend a user, or cancel your request',
    auth: true,
    path: otherUserPath,
    responses: { 204: null },
    problems: [404, 409],
  },
  'POST /friends/{userId}/block': {
    area,
    summary: 'Block a user: no requests, no direct messages either way',
    auth: true,
    path: otherUserPath,
    responses: { 204: null },
    problems: [404],
  },
  'DELETE /friends/{userId}/block': {
    area,
    summary: 'Unblock a user',
    auth: true,
    path: otherUserPath,
    responses: { 204: null },
  },
  'GET /friends': {
    area,
    summary: 'Your friends, newest first',
    auth: true,
    query: friendsQuery,
    responses: { 200: friendshipPage },
  },
  'GET /friends/requests': {
    area,
    summary: 'Pending requests to you (incoming) or from you (outgoing)',
    auth: true,
    query: requestsQuery,
    responses: { 200: friendshipPage },
  },
  'GET /presence': {
    area: 'presence',
    summary: "Friends' online status and last seen (others asked about are left out)",
    auth: true,
    query: presenceQuery,
    responses: { 200: page(presence).meta({ id: 'PresencePage' }) },
  },
} satisfies Record<string, RouteContract>
