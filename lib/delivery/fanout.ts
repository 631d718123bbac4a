// Delivery of one frame to every live connection of some users: their connections read 100 users a request, posts
// begun as each answer arrives, concurrent with a bound; 410 Gone removed at once (unless just recorded: a
// connection still in $connect answers 410 too).
import { configuredConnectionsTable, lookUpConnections, removeGoneConnection } from '../connections/lists.ts'
import { logger } from '../log.ts'
import { recordFanOut } from '../metrics/delivery.ts'
import { type DynamoJson, dynamoJson } from '../stores/dynamodb-json.ts'
import { type ConnectionsApi, wsManagementClient } from '../stores/ws-management.ts'
import { boundedRunner } from './bounded.ts'
import { encodeFrame, type Frame, postEncoded } from './frames.ts'

export interface FanoutDeps {
  /** The table, signed without the SDK: one BatchGetItem per 100 users, and the removal of gone connections. */
  connections: DynamoJson
  table: string
  management: ConnectionsApi
  /** Posts in flight at once; 32 unless set. */
  concurrency?: number
}

export interface Delivery {
  /** Posts that reached a connection. */
  delivered: number
  /** Connections that answered 410 Gone; each was removed from the table unless its $connect may be running. */
  gone: string[]
  /** Users with no live connection (none recorded, or every one gone): candidates for a notification job. */
  offlineUserIds: string[]
  /** Posts that failed otherwise (throttled past the retries, network): logged, not retried here. */
  failed: number
}

const defaultConcurrency = 32

/**
 * Sends `frame` to every live connection of each user (except `exceptConnectionId`), at most `concurrency` posts at
 * once. The frame is serialised once; the store work is one BatchGetItem per 100 users, all at once, and a user's
 * posts start as soon as the answer naming them arrives. A 410 Gone connection is removed at once and never
 * retried; users with no live connection are returned in offlineUserIds (for notification jobs).
 */
export async function deliverToUsers(
  deps: FanoutDeps,
  userIds: readonly string[],
  frame: Frame,
  options: { exceptConnectionId?: string } = {},
): Promise<Delivery> {
  const result: Delivery = { delivered: 0, gone: [], offlineUserIds: [], failed: 0 }
  if (userIds.length === 0) return result
  const started = performance.now()
  const data = encodeFrame(frame)
  const run = boundedRunner(deps.concurrency ?? defaultConcurrency)

  const post = async (userId: string, connectionId: string): Promise<'reached' | 'gone'> => {
    try {
      if ((await postEncoded(deps.management, connectionId, data)) === 'sent') {
        result.delivered++
        return 'reached'
      }
    } catch (error) {
      result.failed++
      logger.warn('frame not delivered', { error: error as Error, connectionId, frameType: frame.type })
      // A failed post may still have reached the socket, so the user is not reported offline for it.
      return 'reached'
    }
    result.gone.push(connectionId)
    await removeGoneConnection(deps.connections, deps.table, { connectionId, userId }).catch(
      (error: unknown) => logger.warn('gone connection not removed', { error: error as Error, connectionId }),
    )
    return 'gone'
  }

  const users: Promise<void>[] = []
  const lookup = lookUpConnections(deps.connections, deps.table, userIds, (userId, connectionIds) => {
    const targets = connectionIds.filter((connectionId) => connectionId !== options.exceptConnectionId)
    // A user whose only connection is the sending one is neither offline nor posted to.
    if (connectionIds.length === 0) {
      result.offlineUserIds.push(userId)
      return
    }
    if (targets.length === 0) return
    users.push(
      Promise.all(targets.map((connectionId) => run(() => post(userId, connectionId)))).then((outcomes) => {
        if (!outcomes.includes('reached')) result.offlineUserIds.push(userId)
      }),
    )
  })
  try {
    await lookup
  } finally {
    // Posts begun before a later lookup failed still finish (each settles on its own, never rejecting).
    await Promise.all(users)
  }
  recordFanOut(result, started)
  return result
}

/** The real clients: the configured connections table and @connections endpoint. */
export function fanoutDeps(): FanoutDeps {
  return {
    connections: dynamoJson(),
    table: configuredConnectionsTable(),
    management: wsManagementClient(),
  }
}
