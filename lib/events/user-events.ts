// Events addressed to one user (friend requests and acceptances): emitted by domain code, delivered by a sink.
import { logger } from '../log.ts'
import type { PublicProfile } from '../users/accounts.ts'

export type UserEvent = {
  type: 'friend.request' | 'friend.accepted'
  userId: string
  from: PublicProfile
  at: string
  /** The sync cursor after it (lib/sync), when its transaction logged it. */
  cursor?: string
}

/**
 * Where user events go: live frames to the user's connections, and a notification job for a user with none.
 */
export type UserEventSink = (event: UserEvent) => Promise<void>

/**
 * The one way domain code tells a user something happened. It runs after the change has committed, so a sink
 * that fails cannot undo it: the event goes to the structured log instead of failing the request.
 */
export async function emitUserEvent(sink: UserEventSink, event: UserEvent): Promise<void> {
  try {
    await sink(event)
  } catch (error) {
    logger.error('user event not delivered; event kept here', { userEvent: event, error: error as Error })
  }
}

/** One sink that hands each event to every given sink; all are tried, and any failure is reported after. */
export function allSinks(...sinks: UserEventSink[]): UserEventSink {
  return async (event) => {
    const failures = (await Promise.allSettled(sinks.map((sink) => sink(event)))).flatMap((result) =>
      result.status === 'rejected' ? [result.reason] : [],
    )
    if (failures.length > 0) throw new AggregateError(failures, 'a user event sink failed')
  }
}
