// DynamoDB for local runs: AWS_ENDPOINT_URL_DYNAMODB when given, else dynalite in memory; holds the connections table.
import { setTimeout as sleep } from 'node:timers/promises'
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb'
import dynalite from 'dynalite'
import { connectionsTable } from '../../resources.ts'
import { closeServer, listenOnFreePort } from './listen.ts'
import type { RunningStore, StoreContext } from './store.ts'

async function ensureConnectionsTable(
  client: DynamoDBClient,
  TableName: string,
  log: (line: string) => void,
) {
  const { partitionKey, byUserIndex, ttlAttribute } = connectionsTable
  const keys = new Set([partitionKey, byUserIndex.partitionKey, byUserIndex.sortKey])
  const created = await client
    .send(
      new CreateTableCommand({
        TableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [...keys].map((AttributeName) => ({
          AttributeName,
          AttributeType: 'S' as const,
        })),
        KeySchema: [{ AttributeName: partitionKey, KeyType: 'HASH' }],
        GlobalSecondaryIndexes: [
          {
            IndexName: byUserIndex.name,
            KeySchema: [
              { AttributeName: byUserIndex.partitionKey, KeyType: 'HASH' },
              { AttributeName: byUserIndex.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: byUserIndex.projection },
          },
        ],
      }),
    )
    .then(
      () => true,
      (error) => {
        if (error instanceof ResourceInUseException) return false
        throw error
      },
    )
  for (const deadline = Date.now() + 30_000; ; await sleep(50)) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName }))
    const indexes = Table?.GlobalSecondaryIndexes ?? []
    if (Table?.TableStatus === 'ACTIVE' && indexes.every((index) => index.IndexStatus === 'ACTIVE')) break
    if (Date.now() > deadline) throw new Error(`table ${TableName} did not become ACTIVE within 30 s`)
  }
  if (!created) return
  const ttl = { TableName, TimeToLiveSpecification: { AttributeName: ttlAttribute, Enabled: true } }
  // dynalite has no UpdateTimeToLive; other endpoints (LocalStack, DynamoDB Local) get the TTL the stack sets.
  await client.send(new UpdateTimeToLiveCommand(ttl)).catch((error: Error) => {
    log(`dynamodb: no TTL on ${TableName} (${error.name}); expired connections stay until deleted`)
  })
}

export async function startDynamoDb({ env, aws, log }: StoreContext): Promise<RunningStore> {
  const given = env.AWS_ENDPOINT_URL_DYNAMODB
  const server = given ? undefined : dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 })
  const endpoint = given ?? `http://127.0.0.1:${await listenOnFreePort(server as NonNullable<typeof server>)}`
  const table = env.CONNECTIONS_TABLE ?? 'chat-local-connections'
  const client = new DynamoDBClient({ ...aws, endpoint })
  try {
    await ensureConnectionsTable(client, table, log)
  } catch (error) {
    if (server) await closeServer(server)
    throw error
  } finally {
    client.destroy()
  }
  return {
    stores: [{ name: 'dynamodb', endpoint, source: server ? 'started' : 'environment' }],
    env: { AWS_ENDPOINT_URL_DYNAMODB: endpoint, CONNECTIONS_TABLE: table },
    stop: async () => {
      if (server) await closeServer(server)
    },
  }
}
