// Telling a conversation's members of its events other than new messages: inline in a small room, through delivery
// jobs in a large one, as messages/send.ts does for message.new.
import { logger } from '../log.ts'
import type { SyncedFrame } from '../protocol/ws.ts'
import type { JobQueue } from '../stores/sqs.ts'
import { deliverToUsers, type FanoutDeps } from './fanout.ts'
import { inlineDeliveryLimit, queueFrames } from './jobs.ts'

export interface TellDeps {
  fanout: () => FanoutDeps
  /** The delivery queue; without one (a function given none) every room is told inline. */
  delivery?: () => JobQueue
}

/**
 * Each frame, in order, to every recipient's live connections. Runs after the change committed: a failure is
 * logged (with `what`), never thrown, so it cannot undo or fail the change.
 */
export async function tellMembers(
  deps: TellDeps,
  frames: readonly SyncedFrame[],
  recipientIds: readonly string[],
  what: string,
): Promise<void> {
  try {
    if (recipientIds.length > inlineDeliveryLimit && deps.delivery) {
      await queueFrames(deps.delivery(), frames, recipientIds)
      return
    }
    for (const frame of frames) await deliverToUsers(deps.fanout(), recipientIds, frame)
  } catch (error) {
    logger.error(`${what} stored but not delivered`, { error: error as Error })
  }
}
