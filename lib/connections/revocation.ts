// Ended sessions on the WebSocket side: their frames refused from now on, their open connections closed at once.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { Redis } from '@upstash/redis'
import type { SessionsEnded } from '../auth/sessions.ts'
import { forEachBounded } from '../delivery/bounded.ts'
import { closeConnection } from '../delivery/frames.ts'
import { logger } from '../log.ts'
import { dynamoClient } from '../stores/dynamodb.ts'
import { redisClient } from '../stores/redis.ts'
import { type ConnectionsApi, wsManagementClient } from '../stores/ws-management.ts'
import { markSessionsEnded } from './ended-sessions.ts'
import { configuredConnectionsTable } from './lists.ts'
import { userConnections } from './store.ts'

/** Getters, so a revocation that finds no connection to close never needs the @connections endpoint. */
export interface RevocationDeps {
  redis: () => Promise<Redis>
  dynamo: () => DynamoDBDocumentClient
  table: () => string
  management: () => ConnectionsApi
}

export const revocationDeps: RevocationDeps = {
  redis: redisClient,
  dynamo: dynamoClient,
  table: configuredConnectionsTable,
  management: wsManagementClient,
}

/**
 * The marker first, then the lookup: a connection recorded after the lookup reads the marker at its $connect (see
 * openConnection), so none escapes. A failed marker or lookup throws, for the request to fail loudly; a failed close
 * is only logged, since the marker already refuses that connection's every frame.
 */
export function closeEndedSessions(deps: RevocationDeps = revocationDeps): SessionsEnded {
  return async ({ userId, sessionIds }) => {
    if (sessionIds.length === 0) return
    await markSessionsEnded(await deps.redis(), sessionIds)
    const ending = new Set(sessionIds)
    // A record without a session id was written before records carried one: closed too, on the safe side.
    const targets = (await userConnections(deps.dynamo(), deps.table(), userId)).filter(
      (connection) => connection.sessionId === undefined || ending.has(connection.sessionId),
    )
    let closed = 0
    await forEachBounded(targets, 16, async ({ connectionId }) => {
      try {
        await closeConnection(deps.management(), connectionId)
        closed++
      } catch (error) {
        logger.error('connection of an ended session not closed', {
          error: error as Error,
          connectionId,
          userId,
        })
      }
    })
    if (targets.length > 0) logger.info('connections of ended sessions closed', { userId, closed })
  }
}
