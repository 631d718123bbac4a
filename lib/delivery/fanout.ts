// Delivery of one frame to every live connection of some users: concurrent with a bound, 410 Gone removed at once
// (unless just recorded: a connection still in $connect answers 410 too).
import type { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi'
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { config } from '../config.ts'
import { connectionsOf, removeGoneConnection } from '../connections/store.ts'
import { logger } from '../log.ts'
import { recordFanOut } from '../metrics/delivery.ts'
import { dynamoClient } from '../stores/dynamodb.ts'
import { wsManagementClient } from '../stores/ws-management.ts'
import { forEachBounded } from './bounded.ts'
import { type Frame, postFrame } from './frames.ts'

export interface FanoutDeps {
  dynamo: DynamoDBDocumentClient
  table: string
  management: ApiGatewayManagementApiClient
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
 * once; a 410 Gone connection is removed from the table at once and never retried; users with no live connection
 * are returned in offlineUserIds (for notification jobs).
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
  const byUser = await connectionsOf(deps.dynamo, deps.table, userIds)
  const targets: { userId: string; connectionId: string }[] = []
  for (const [userId, connectionIds] of byUser) {
    if (connectionIds.length === 0) result.offlineUserIds.push(userId)
    for (const connectionId of connectionIds)
      if (connectionId !== options.exceptConnectionId) targets.push({ userId, connectionId })
  }
  const reached = new Set<string>()
  const tried = new Set<string>()
  await forEachBounded(targets, deps.concurrency ?? defaultConcurrency, async ({ userId, connectionId }) => {
    tried.add(userId)
    try {
      if ((await postFrame(deps.management, connectionId, frame)) === 'sent') {
        result.delivered++
        reached.add(userId)
        return
      }
      result.gone.push(connectionId)
    } catch (error) {
      result.failed++
      // A failed post may still have reached the socket, so the user is not reported offline for it.
      reached.add(userId)
      logger.warn('frame not delivered', { error: error as Error, connectionId, frameType: frame.type })
      return
    }
    await removeGoneConnection(deps.dynamo, deps.table, connectionId).catch((error: unknown) =>
      logger.warn('gone connection not removed', { error: error as Error, connectionId }),
    )
  })
  for (const userId of tried) if (!reached.has(userId)) result.offlineUserIds.push(userId)
  recordFanOut(result, started)
  return result
}

/** The real clients: the configured connections table and @connections endpoint. */
export function fanoutDeps(): FanoutDeps {
  return {
    dynamo: dynamoClient(),
    table: config().CONNECTIONS_TABLE,
    management: wsManagementClient(),
  }
}
