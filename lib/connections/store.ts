// The live WebSocket connections in DynamoDB: one item per connection, found by user through the byUser index.
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb'
import { forEachBounded } from '../delivery/bounded.ts'
import { connectionsTable } from './table.ts'

export interface ConnectionRecord {
  connectionId: string
  userId: string
  /** The session (refresh-token family) it was opened with, so ending the session can close it. */
  sessionId?: string
  connectedAt: string
  /** Epoch seconds; DynamoDB's TTL removes records whose $disconnect never ran. */
  expiresAt: number
}

/** API Gateway ends a connection after 2 hours; the record outlives that a little so TTL never races a live one. */
export const connectionTtlSeconds = 2 * 60 * 60 + 10 * 60

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

export async function recordConnection(
  db: DynamoDBDocumentClient,
  table: string,
  record: ConnectionRecord,
): Promise<void> {
  await db.send(new PutCommand({ TableName: table, Item: { ...record } }))
}

/**
 * API Gateway answers 410 for a connection whose $connect is still running, and $connect may take up to the
 * 29 s integration timeout: a record younger than this may belong to a connection about to open.
 */
export const connectSettleSeconds = 30

/**
 * Removes a connection that answered 410 Gone, unless it was recorded so recently that its $connect may still be
 * running (then it is kept: its $disconnect or TTL removes it if it never opens). Answers whether it was removed.
 */
export async function removeGoneConnection(
  db: DynamoDBDocumentClient,
  table: string,
  connectionId: string,
  now = Date.now(),
): Promise<boolean> {
  try {
    await db.send(
      new DeleteCommand({
        TableName: table,
        Key: { [connectionsTable.partitionKey]: connectionId },
        ConditionExpression: 'connectedAt < :settled',
        ExpressionAttributeValues: { ':settled': new Date(now - connectSettleSeconds * 1000).toISOString() },
      }),
    )
    return true
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') return false
    throw error
  }
}

/** Removes the record and answers what it held, or undefined when it was already gone. */
export async function removeConnection(
  db: DynamoDBDocumentClient,
  table: string,
  connectionId: string,
): Promise<ConnectionRecord | undefined> {
  const { Attributes } = await db.send(
    new DeleteCommand({
      TableName: table,
      Key: { [connectionsTable.partitionKey]: connectionId },
      ReturnValues: 'ALL_OLD',
    }),
  )
  return Attributes as ConnectionRecord | undefined
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
        ProjectionExpression: `${connectionsTable.partitionKey}, #session`,
        ExclusiveStartKey: startKey,
      }),
    )
    for (const item of page.Items ?? []) {
      const sessionId = item.sessionId
      found.push({
        connectionId: String(item[connectionsTable.partitionKey]),
        ...(typeof sessionId === 'string' && { sessionId }),
      })
    }
    startKey = page.LastEvaluatedKey
  } while (startKey)
  return found
}

async function connectionIdsOf(db: DynamoDBDocumentClient, table: string, userId: string): Promise<string[]> {
  return (await userConnections(db, table, userId)).map((connection) => connection.connectionId)
}

const queryConcurrency = 16

/** Every given user's connection ids (an empty list for a user with none): one index query per user, concurrently. */
export async function connectionsOf(
  db: DynamoDBDocumentClient,
  table: string,
  userIds: readonly string[],
): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>(userIds.map((userId) => [userId, []]))
  await forEachBounded([...found.keys()], queryConcurrency, async (userId) => {
    found.set(userId, await connectionIdsOf(db, table, userId))
  })
  return found
}
