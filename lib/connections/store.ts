// The live WebSocket connections in DynamoDB: one item per connection (found by user and session through the byUser
// index), and one per user listing its connection ids (read for fan-out, up to 100 users a request, over signed HTTP
// rather than the SDK: lib/stores/dynamodb-json.ts).
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb'
import { requireSetting } from '../config.ts'
import type { DynamoJson } from '../stores/dynamodb-json.ts'
import { connectionsTable, connectionTtlSeconds } from './table.ts'

export { connectionTtlSeconds }

const { partitionKey, userItem } = connectionsTable

/** The configured table, for the functions given it. */
export const configuredConnectionsTable = () =>
  requireSetting('CONNECTIONS_TABLE', 'required to read or write live connections')

/** The key of the item listing a user's connection ids. */
const userKey = (userId: string) => ({ [partitionKey]: `${userItem.keyPrefix}${userId}` })

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
 * API Gateway answers 410 for a connection whose $connect is still running, and $connect may take up to the
 * 29 s integration timeout: a record younger than this may belong to a connection about to open.
 */
export const connectSettleSeconds = 30

/**
 * Removes a connection of `userId` that answered 410 Gone, unless it was recorded so recently that its $connect
 * may still be running (then it is kept: its $disconnect or TTL removes it if it never opens). An id left in the
 * user's set without its item (a $disconnect that raced its own $connect) is removed too. Answers whether it was.
 */
export async function removeGoneConnection(
  db: DynamoDBDocumentClient,
  table: string,
  connection: { connectionId: string; userId: string },
  now = Date.now(),
): Promise<boolean> {
  try {
    await db.send(
      new DeleteCommand({
        TableName: table,
        Key: { [partitionKey]: connection.connectionId },
        ConditionExpression: 'attribute_not_exists(#key) OR connectedAt < :settled',
        ExpressionAttributeNames: { '#key': partitionKey },
        ExpressionAttributeValues: { ':settled': new Date(now - connectSettleSeconds * 1000).toISOString() },
      }),
    )
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') return false
    throw error
  }
  await changeUserSet(db, table, connection.userId, 'DELETE', [connection.connectionId])
  return true
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

/** Keys BatchGetItem takes in one request. */
export const usersPerLookup = 100
const lookupAttempts = 5
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

interface BatchGetAnswer {
  Responses?: Record<string, Record<string, { S?: string; SS?: string[] }>[]>
  UnprocessedKeys?: Record<string, { Keys?: Record<string, { S?: string }>[] }>
}

/** One BatchGetItem of at most 100 users, its unprocessed keys asked again with backoff; calls `found` per user. */
async function lookUpChunk(
  db: DynamoJson,
  table: string,
  userIds: readonly string[],
  found: (userId: string, connectionIds: string[]) => void,
): Promise<void> {
  const userOf = new Map(userIds.map((userId) => [userKey(userId)[partitionKey] as string, userId]))
  let keys = [...userOf.keys()]
  for (let attempt = 1; keys.length > 0; attempt++) {
    const { Responses, UnprocessedKeys } = await db.call<BatchGetAnswer>('BatchGetItem', {
      RequestItems: {
        [table]: {
          Keys: keys.map((key) => ({ [partitionKey]: { S: key } })),
        },
      },
    })
    const unprocessed = (UnprocessedKeys?.[table]?.Keys ?? []).map((key) => String(key[partitionKey]?.S))
    const pending = new Set(unprocessed)
    for (const item of Responses?.[table] ?? []) {
      const key = String(item[partitionKey]?.S)
      const userId = userOf.get(key)
      if (userId === undefined) continue
      userOf.delete(key)
      found(userId, item[userItem.connectionIds]?.SS ?? [])
    }
    if (pending.size > 0 && attempt >= lookupAttempts)
      throw new Error(`connections of ${pending.size} users not read: DynamoDB kept them unprocessed`)
    // A key neither answered nor left unprocessed has no item: a user with no live connection.
    for (const [key, userId] of userOf) {
      if (pending.has(key)) continue
      userOf.delete(key)
      found(userId, [])
    }
    keys = unprocessed
    if (keys.length > 0) await sleep(25 * 2 ** attempt * (0.5 + Math.random()))
  }
}

/**
 * Every given user's connection ids, handed to `found` as each request's answer arrives (an empty list for a user
 * with none): one BatchGetItem per 100 users, all at once, so a room of any size costs one round trip.
 */
export async function lookUpConnections(
  db: DynamoJson,
  table: string,
  userIds: readonly string[],
  found: (userId: string, connectionIds: string[]) => void,
): Promise<void> {
  const unique = [...new Set(userIds)]
  const chunks: string[][] = []
  for (let start = 0; start < unique.length; start += usersPerLookup)
    chunks.push(unique.slice(start, start + usersPerLookup))
  await Promise.all(chunks.map((chunk) => lookUpChunk(db, table, chunk, found)))
}

/** Every given user's connection ids (an empty list for a user with none), once all are read. */
export async function connectionsOf(
  db: DynamoJson,
  table: string,
  userIds: readonly string[],
): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>(userIds.map((userId) => [userId, []]))
  await lookUpConnections(db, table, userIds, (userId, connectionIds) => found.set(userId, connectionIds))
  return found
}
