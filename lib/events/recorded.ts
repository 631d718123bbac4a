// A user-event sink that records each event in MongoDB, until live delivery and notifications consume them.
import type { Db } from 'mongodb'
import type { UserEvent, UserEventSink } from './user-events.ts'

export const userEventsCollection = 'user_events'

export type RecordedUserEvent = UserEvent & { recordedAt: Date }

export function recordedUserEvents(db: () => Promise<Db>): UserEventSink {
  return async (event) => {
    await (await db())
      .collection<RecordedUserEvent>(userEventsCollection)
      .insertOne({ ...event, recordedAt: new Date() })
  }
}
