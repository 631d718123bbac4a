// The UserEventSink that turns friend requests and acceptances into frames on the recipient's live connections.
import type { UserEvent, UserEventSink } from '../events/user-events.ts'
import { frames, placed } from '../protocol/ws.ts'
import { deliverToUsers, type FanoutDeps, fanoutDeps } from './fanout.ts'

/** The frame a user event becomes: `{type: 'friend.request' | 'friend.accepted', from, at}`. */
export function userEventFrame(event: UserEvent) {
  const frame = frames.friendEvent(event.type, { from: event.from, at: event.at })
  return event.cursor === undefined ? frame : placed(frame, { cursor: event.cursor })
}

/**
 * Posts the event to every live connection of `event.userId`; a user with none simply gets nothing here (the
 * notifications sink covers them). A store failure rejects, for `emitUserEvent` to log with the event.
 */
export function liveUserEventSink(deps: () => FanoutDeps = fanoutDeps): UserEventSink {
  return async (event: UserEvent) => {
    await deliverToUsers(deps(), [event.userId], userEventFrame(event))
  }
}
