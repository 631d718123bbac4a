// Events addressed to one user (friend requests and acceptances): emitted by domain code, delivered by a sink.
import type { PublicProfile } from '../users/accounts.ts'

export type UserEvent =
  | { type: 'friend.request'; userId: string; from: PublicProfile; at: string }
  | { type: 'friend.accepted'; userId: string; from: PublicProfile; at: string }

/**
 * Where user events go. The Friendships issue records them; the Messaging issue delivers them as live frames to
 * the user's connections, and the Notifications issue queues them for users with none.
 */
export type UserEventSink = (event: UserEvent) => Promise<void>
