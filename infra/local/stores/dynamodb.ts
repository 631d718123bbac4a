// DynamoDB for local runs: AWS_ENDPOINT_URL_DYNAMODB when given, else dynalite; holds the connections table.
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb'
import { connectionsTable } from '../../resources.ts'
import { takeLock } from './lock.ts'
import { fromEnvironment, type RunningStore, type StoreContext } from './store.ts'
import { supervise } from './supervisor.ts'

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
            Projection: {
              ProjectionType: byUserIndex.projection.type,
              NonKeyAttributes: [...byUserIndex.projection.nonKeyAttributes],
            },
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

/** Makes the connections table at `endpoint` unless it is there. */
async function prepareTable(endpoint: string, table: string, { aws, log }: StoreContext): Promise<void> {
  const client = new DynamoDBClient({ ...aws, endpoint })
  try {
    await ensureConnectionsTable(client, table, log)
  } finally {
    client.destroy()
  }
}

export async function startDynamoDb(context: StoreContext): Promise<RunningStore> {
  const { env, dataDir, log } = context
  const table = env.CONNECTIONS_TABLE ?? 'chat-local-connections'
  const storeEnv = (endpoint: string) => ({ AWS_ENDPOINT_URL_DYNAMODB: endpoint, CONNECTIONS_TABLE: table })
  const given = env.AWS_ENDPOINT_URL_DYNAMODB
  if (given) {
    await prepareTable(given, table, context)
    return fromEnvironment('dynamodb', given, storeEnv(given))
  }

  // On disk so that a restarted dynalite still knows the live connections; emptied at each start of the
  // stores, since the sockets those records name ended with the runtime that held them.
  const directory = join(dataDir, 'dynamodb')
  const lock = await takeLock(`${directory}.lock`)
  if ('heldBy' in lock) {
    throw new Error(
      `DynamoDB data in ${directory} is in use by process ${lock.heldBy}. Give this runtime another data directory.`,
    )
  }
  try {
    await rm(directory, { recursive: true, force: true })
    const server = await supervise({
      name: 'dynamodb',
      server: 'dynalite',
      options: { directory },
      env,
      log,
      prepare: (port) => prepareTable(`http://127.0.0.1:${port}`, table, context),
    })
    const endpoint = `http://127.0.0.1:${server.port}`
    return {
      stores: [{ name: 'dynamodb', endpoint, source: 'started' }],
      env: storeEnv(endpoint),
      async stop() {
        await server.stop()
        await lock.release()
      },
    }
  } catch (error) {
    await lock.release()
    throw error
  }
}
