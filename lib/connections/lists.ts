// What every fan-out does with the connections table (table.ts): read the lists of users' live connection ids, up to
// 100 users a request, and remove a connection that answered 410 Gone. Over DynamoDB's JSON protocol, signed without
// the SDK (lib/stores/dynamodb-json.ts); the connections' own records are store.ts's.
import { requireSetting } from '../config.ts'
import type { DynamoJson } from '../stores/dynamodb-json.ts'
import { connectionsTable } from './table.ts'

const { partitionKey, userItem } = connectionsTable

/** The configured table, for the functions given it. */
export const configuredConnectionsTable = () =>
  requireSetting('CONNECTIONS_TABLE', 'required to read or write live connections')

/** The key of the item listing a user's connection ids. */
const userItemKey = (userId: string) => `${userItem.keyPrefix}${userId}`

/** The same as the SDK's document client takes a key (store.ts). */
export const userKey = (userId: string) => ({ [partitionKey]: userItemKey(userId) })

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
  db: DynamoJson,
  table: string,
  connection: { connectionId: string; userId: string },
  now = Date.now(),
): Promise<boolean> {
  try {
    await db.call('DeleteItem', {
      TableName: table,
      Key: { [partitionKey]: { S: connection.connectionId } },
      ConditionExpression: 'attribute_not_exists(#key) OR connectedAt < :settled',
      ExpressionAttributeNames: { '#key': partitionKey },
      ExpressionAttributeValues: {
        ':settled': { S: new Date(now - connectSettleSeconds * 1000).toISOString() },
      },
    })
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') return false
    throw error
  }
  // As changeUserSet's DELETE, in DynamoDB JSON.
  await db.call('UpdateItem', {
    TableName: table,
    Key: { [partitionKey]: { S: userItemKey(connection.userId) } },
    UpdateExpression: 'DELETE #ids :ids',
    ExpressionAttributeNames: { '#ids': userItem.connectionIds },
    ExpressionAttributeValues: { ':ids': { SS: [connection.connectionId] } },
  })
  return true
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
  const userOf = new Map(userIds.map((userId) => [userItemKey(userId), userId]))
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
