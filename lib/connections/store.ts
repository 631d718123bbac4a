// The live WebSocket connections in DynamoDB, written through the SDK: one item per connection (found by user and
// session through the byUser index), and one per user listing its connection ids. What the fan-out does with them
// is lists.ts's, over signed HTTP, so that a function that only fans out bundles no SDK DynamoDB client.
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb'
import { userKey } from './lists.ts'
import { connectionsTable, connectionTtlSeconds } from './table.ts'

export { connectionTtlSeconds }

const { partitionKey, userItem } = connectionsTable

/** Adds (ADD) or removes (DELETE) connection ids in the user's set: both atomic, both idempotent. */
function changeUserSet(
  db: DynamoDBDocumentClient,
  table: string,
  userId: string,
  change: 'ADD' | 'DELETE',
  connectionIds: readonly string[],
  expiresAt?: number,
) {
  return db.send(
    new UpdateCommand({
      TableName: table,
      Key: userKey(userId),
      UpdateExpression: change === 'ADD' ? 'ADD #ids :ids SET #expires = :expires' : 'DELETE #ids :ids',
      ExpressionAttributeNames: {
        '#ids': userItem.connectionIds,
        ...(change === 'ADD' && { '#expires': connectionsTable.ttlAttribute }),
      },
      ExpressionAttributeValues: {
        ':ids': new Set(connectionIds),
        ...(change === 'ADD' && { ':expires': expiresAt }),
      },
    }),
  )
}

export interface ConnectionRecord {
  connectionId: string
  userId: string
  /** The session (refresh-token family) it was opened with, so ending the session can close it. */
  sessionId?: string
  connectedAt: string
  /** Epoch seconds; DynamoDB's TTL removes records whose $disconnect never ran. */
  expiresAt: number
}

export function connectionRecord(
  connectionId: string,
  userId: string,
  now = Date.now(),
  sessionId?: string,
): ConnectionRecord {
  return {
    connectionId,
    userId,
    ...(sessionId !== undefined && { sessionId }),
    connectedAt: new Date(now).toISOString(),
    expiresAt: Math.floor(now / 1000) + connectionTtlSeconds,
  }
}

/** The connection's item and its id in the user's set, written at once (dynalite has no transactions). */
export async function recordConnection(
  db: DynamoDBDocumentClient,
  table: string,
  record: ConnectionRecord,
): Promise<void> {
  await Promise.all([
    db.send(new PutCommand({ TableName: table, Item: { ...record } })),
    changeUserSet(db, table, record.userId, 'ADD', [record.connectionId], record.expiresAt),
  ])
}

/**
 * Removes the record, and its id from its user's set, and answers what the record held, or undefined when it was
 * already gone. Given the user, both writes go at once; otherwise the set is changed once the record names its user.
 */
export async function removeConnection(
  db: DynamoDBDocumentClient,
  table: string,
  connectionId: string,
  userId?: string,
): Promise<ConnectionRecord | undefined> {
  const removing = db.send(
    new DeleteCommand({ TableName: table, Key: { [partitionKey]: connectionId }, ReturnValues: 'ALL_OLD' }),
  )
  const fromSet = userId ? changeUserSet(db, table, userId, 'DELETE', [connectionId]) : undefined
  const [{ Attributes }] = await Promise.all([removing, fromSet])
  const removed = Attributes as ConnectionRecord | undefined
  if (!userId && removed) await changeUserSet(db, table, removed.userId, 'DELETE', [connectionId])
  return removed
}

/** A user's connections through the byUser index, each with the session it was opened with (when recorded). */
export async function userConnections(
  db: DynamoDBDocumentClient,
  table: string,
  userId: string,
): Promise<{ connectionId: string; sessionId?: string }[]> {
  const found: { connectionId: string; sessionId?: string }[] = []
  let startKey: Record<string, unknown> | undefined
  do {
    const page = await db.send(
      new QueryCommand({
        TableName: table,
        IndexName: connectionsTable.byUserIndex.name,
        KeyConditionExpression: '#user = :user',
        ExpressionAttributeNames: {
          '#user': connectionsTable.byUserIndex.partitionKey,
          '#session': 'sessionId',
        },
        ExpressionAttributeValues: { ':user': userId },
        ProjectionExpression: `${partitionKey}, #session`,
        ExclusiveStartKey: startKey,
      }),
    )
    for (const item of page.Items ?? []) {
      const sessionId = item.sessionId
      found.push({
        connectionId: String(item[partitionKey]),
        ...(typeof sessionId === 'string' && { sessionId }),
      })
    }
    startKey = page.LastEvaluatedKey
  } while (startKey)
  return found
}
