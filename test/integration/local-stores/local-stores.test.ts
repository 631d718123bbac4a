// The local stand-ins for the stores, started as the dev runtime starts them and driven with the production clients.
import { spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { GetObjectCommand, GetObjectTaggingCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs'
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb'
import { createPresignedPost } from '@aws-sdk/s3-presigned-post'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import { Ratelimit } from '@upstash/ratelimit'
import { Redis } from '@upstash/redis'
import { MongoClient, MongoServerError } from 'mongodb'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest'
import { type LocalStores, startLocalStores } from '../../../infra/local/stores/index.ts'
import { startSigningKeys } from '../../../infra/local/stores/signing-keys.ts'
import { connectionsTable, notificationQueue } from '../../../infra/resources.ts'
import { parseConfig } from '../../../lib/config.ts'

/** Variables that would make startLocalStores adopt a store (the global setup's, for one) instead of starting it. */
const adopted = [
  'DATABASE_URL',
  'MONGO_URL',
  'REDIS_URL',
  'UPSTASH_REDIS_REST_URL',
  'UPSTASH_REDIS_REST_TOKEN',
  'AWS_ENDPOINT_URL_DYNAMODB',
  'AWS_ENDPOINT_URL_S3',
  'AWS_ENDPOINT_URL_SQS',
  'CONNECTIONS_TABLE',
  'UPLOADS_BUCKET',
  'JWT_SIGNING_KEYS',
  'VAPID_KEYS',
  'PUSH_ENDPOINT_ALLOWLIST',
  'MAIL_DIR',
]

let stores: LocalStores
let tempDir: string
const logged: string[] = []
const env = () => stores.env
const aws = () => ({
  region: env().AWS_REGION,
  credentials: {
    accessKeyId: env().AWS_ACCESS_KEY_ID as string,
    secretAccessKey: env().AWS_SECRET_ACCESS_KEY as string,
  },
})

function childProcesses(format = 'pid=,comm='): string[] {
  // ps exits 1 when it lists nothing.
  const listing = spawnSync('ps', ['-o', format, '--ppid', String(process.pid)]).stdout.toString()
  return listing
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !/ ps( |$)/.test(line))
}

/** The pid of the process serving a supervised store, found by the server its command line names. */
function storeProcess(server: string): number {
  const line = childProcesses('pid=,args=').find((candidate) => candidate.endsWith(`host.mjs ${server}`))
  if (!line) throw new Error(`no process serves ${server}: ${childProcesses('pid=,args=').join('; ')}`)
  return Number.parseInt(line, 10)
}

/** Retries until `check` passes; the limit only bounds a broken run, it measures nothing. */
const eventually = (check: () => Promise<void> | void) =>
  vi.waitFor(check, { timeout: 60_000, interval: 100 })

function accepts(endpoint: string): Promise<boolean> {
  const { hostname, port } = new URL(endpoint)
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname)
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

beforeAll(async () => {
  tempDir = await mkdtemp(join(tmpdir(), 'local-stores-'))
  const callerEnv = { ...process.env }
  for (const name of adopted) delete callerEnv[name]
  stores = await startLocalStores({
    dataDir: join(tempDir, 'data'),
    cacheDir: process.env.CACHE_DIR ?? '.cache',
    env: callerEnv,
    log: (line) => logged.push(line),
  })
}, 300_000)

afterAll(async () => {
  await stores?.stop()
  await rm(tempDir, { recursive: true, force: true })
})

describe('local stores', { timeout: 30_000 }, () => {
  test('env names every store in a form lib/config.ts accepts, all started here', () => {
    const config = parseConfig({ ...env(), WS_MANAGEMENT_ENDPOINT: 'http://127.0.0.1:1/local' })
    expect(config.S3_FORCE_PATH_STYLE).toBe(true)
    for (const name of ['AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL_SQS']) {
      expect(env()[name]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    }
    expect(env().NOTIFICATIONS_DLQ_URL).toMatch(/chat-local-notifications-dlq$/)
    expect(stores.stores.map((store) => store.name).sort()).toEqual(
      [
        'dynamodb',
        'jwt-keys',
        'mail',
        'mongodb',
        'postgres',
        'push-service',
        'redis',
        's3',
        'sqs',
        'upstash-rest',
        'vapid-keys',
      ].sort(),
    )
    expect(stores.stores.every((store) => store.source === 'started')).toBe(true)
  })
})

describe('PGlite over its socket', { timeout: 30_000 }, () => {
  const connectAs = () =>
    postgres(env().DATABASE_URL as string, { max: 1, prepare: false, onnotice: () => {} })

  test('runs parameterised queries, transactions and pg_trgm through the postgres driver', async () => {
    const sql = connectAs()
    try {
      await sql`create extension if not exists pg_trgm`
      const [row] = await sql`select similarity(${'hello'}, ${'hallo'}) > 0.3 as close, ${41}::int + 1 as n`
      expect(row).toEqual({ close: true, n: 42 })
      await sql`create table if not exists notes (id int primary key, body text)`
      await sql
        .begin(async (tx) => {
          await tx`insert into notes values (1, 'kept?')`
          throw new Error('roll back')
        })
        .catch(() => {})
      expect(await sql`select count(*)::int as n from notes`).toEqual([{ n: 0 }])
      await expect(sql`insert into notes values (1, 'a'), (1, 'b')`).rejects.toMatchObject({ code: '23505' })
    } finally {
      await sql.end()
    }
  })

  test('serves every client from one session (a temp table is visible to another connection)', async () => {
    const [first, second] = [connectAs(), connectAs()]
    try {
      await first`create temp table only_mine (x int)`
      const [row] = await second`select count(*)::int as n from pg_class where relname = 'only_mine'`
      expect(row?.n).toBe(1)
    } finally {
      await Promise.all([first.end(), second.end()])
    }
  })
})

describe('FerretDB', { timeout: 30_000 }, () => {
  let client: MongoClient
  beforeAll(async () => {
    client = await new MongoClient(env().MONGO_URL as string, { serverSelectionTimeoutMS: 3_000 }).connect()
  })
  afterAll(() => client?.close())
  const db = () => client.db('local_stores_test')

  test('stores and finds documents and enforces a unique compound index', async () => {
    const messages = db().collection('messages')
    await messages.createIndex({ conversationId: 1, seq: 1 }, { unique: true })
    await messages.insertOne({ conversationId: 'c1', seq: 1, body: 'hi' })
    await messages.insertOne({ conversationId: 'c1', seq: 2, body: 'there' })
    const found = await messages.find({ conversationId: 'c1' }).sort({ seq: -1 }).toArray()
    expect(found.map((message) => message.body)).toEqual(['there', 'hi'])
    await expect(messages.insertOne({ conversationId: 'c1', seq: 1 })).rejects.toMatchObject({ code: 11000 })
  })

  test('counts per conversation with findOneAndUpdate, upsert and $inc', async () => {
    const counters = db().collection<{ _id: string; seq: number }>('counters')
    const next = () =>
      counters.findOneAndUpdate(
        { _id: 'c1' },
        { $inc: { seq: 1 } },
        { upsert: true, returnDocument: 'after' },
      )
    const values = [(await next())?.seq, (await next())?.seq, (await next())?.seq]
    expect(values).toEqual([1, 2, 3])
  })

  test('answers NotImplemented for partial and TTL indexes', async () => {
    const audit = db().collection('audit')
    const notImplemented = { codeName: 'NotImplemented' }
    await expect(
      audit.createIndex({ readAt: 1 }, { partialFilterExpression: { readAt: { $exists: false } } }),
    ).rejects.toMatchObject(notImplemented)
    await expect(audit.createIndex({ at: 1 }, { expireAfterSeconds: 60 })).rejects.toMatchObject(
      notImplemented,
    )
  })

  test('has no transactions', async () => {
    const session = client.startSession()
    try {
      const inTransaction = session.withTransaction(() =>
        db().collection('audit').insertOne({ a: 1 }, { session }),
      )
      await expect(inTransaction).rejects.toBeInstanceOf(MongoServerError)
    } finally {
      await session.endSession()
    }
  })
})

describe('Redis behind the Upstash REST endpoint', { timeout: 30_000 }, () => {
  const redis = (options: { automaticDeserialization?: boolean } = {}) =>
    new Redis({
      url: env().UPSTASH_REDIS_REST_URL as string,
      token: env().UPSTASH_REDIS_REST_TOKEN as string,
      enableTelemetry: false,
      ...options,
    })

  test('answers strings, counters, expiry, sorted sets and hashes as Upstash does', async () => {
    const client = redis({ automaticDeserialization: false })
    expect(await client.set('greeting', 'héllo ✓ "quoted"')).toBe('OK')
    expect(await client.get('greeting')).toBe('héllo ✓ "quoted"')
    expect(await client.get('missing')).toBeNull()
    expect(await client.incr('hits')).toBe(1)
    expect(await client.incr('hits')).toBe(2)
    expect(await client.expire('hits', 60)).toBe(1)
    expect(await client.ttl('hits')).toBeGreaterThan(55)
    await client.zadd('presence', { score: 2, member: 'bob' }, { score: 1, member: 'ann' })
    expect(await client.zrange('presence', 0, -1)).toEqual(['ann', 'bob'])
    expect(await client.zrange('presence', 0, -1, { withScores: true })).toEqual(['ann', '1', 'bob', '2'])
    await client.hset('user:1', { name: 'Ann', seen: '5' })
    expect(await redis().hgetall('user:1')).toEqual({ name: 'Ann', seen: 5 })
  })

  test('runs pipelines and transactions, reporting a failing command in its slot', async () => {
    const client = redis()
    await client.set('word', 'abc')
    const pipeline = client.pipeline().incr('p:n').incr('word').get('word')
    const results = await pipeline.exec({ keepErrors: true })
    expect(results.map((r) => r.result ?? r.error)).toEqual([
      1,
      expect.stringMatching(/not an integer/),
      'abc',
    ])
    expect(await client.multi().incr('m:n').incr('m:n').exec()).toEqual([1, 2])
  })

  test('evaluates scripts and passes errors through as 400s', async () => {
    const client = redis()
    expect(await client.eval('return {KEYS[1], ARGV[1]}', ['k'], ['v'])).toEqual(['k', 'v'])
    await expect(client.evalsha('0'.repeat(40), [], [])).rejects.toThrow(/NOSCRIPT/)
    await expect(client.incr('word')).rejects.toThrow(/not an integer/)
  })

  test('refuses a request without the token', async () => {
    const response = await fetch(env().UPSTASH_REDIS_REST_URL as string, {
      method: 'POST',
      body: JSON.stringify(['get', 'greeting']),
    })
    expect(response.status).toBe(401)
  })

  test('lets a sliding-window rate limit through N times, then limits', async () => {
    const limiter = new Ratelimit({
      redis: redis(),
      // An hour, so five requests never straddle a window's end: just after one, the window before counts a
      // little less than fully, and a busy machine's slow requests let a fourth through now and then with 10 s.
      limiter: Ratelimit.slidingWindow(3, '1 h'),
      prefix: `ratelimit-test-${Date.now()}`,
      ephemeralCache: false,
    })
    const outcomes = []
    for (let i = 0; i < 5; i++) outcomes.push((await limiter.limit('user-1')).success)
    expect(outcomes).toEqual([true, true, true, false, false])
    expect((await limiter.limit('user-2')).success).toBe(true)
  })
})

describe('dynalite', { timeout: 30_000 }, () => {
  test('holds the connections table as infra/resources.ts shapes it, queryable by user', async () => {
    const client = new DynamoDBClient({ ...aws(), endpoint: env().AWS_ENDPOINT_URL_DYNAMODB })
    const documents = DynamoDBDocumentClient.from(client)
    try {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: env().CONNECTIONS_TABLE }))
      expect(Table?.TableStatus).toBe('ACTIVE')
      expect(Table?.KeySchema).toEqual([{ AttributeName: connectionsTable.partitionKey, KeyType: 'HASH' }])
      expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST')
      const byUser = Table?.GlobalSecondaryIndexes?.find((index) => index.IndexName === 'byUser')
      expect(byUser?.KeySchema?.map((key) => key.AttributeName)).toEqual(['userId', 'connectionId'])

      const TableName = env().CONNECTIONS_TABLE
      for (const connectionId of ['b', 'a']) {
        await documents.send(
          new PutCommand({ TableName, Item: { connectionId, userId: 'u1', expiresAt: 1 } }),
        )
      }
      const { Items } = await documents.send(
        new QueryCommand({
          TableName,
          IndexName: 'byUser',
          KeyConditionExpression: 'userId = :user',
          ExpressionAttributeValues: { ':user': 'u1' },
        }),
      )
      expect(Items?.map((item) => item.connectionId)).toEqual(['a', 'b'])
    } finally {
      client.destroy()
    }
  })
})

describe('s3rver', { timeout: 30_000 }, () => {
  const s3 = () => new S3Client({ ...aws(), endpoint: env().AWS_ENDPOINT_URL_S3, forcePathStyle: true })

  async function upload(
    key: string,
    bytes: Uint8Array,
    maxBytes: number,
    extraFields: Record<string, string> = {},
  ) {
    const client = s3()
    const { url, fields } = await createPresignedPost(client, {
      Bucket: env().UPLOADS_BUCKET as string,
      Key: key,
      Conditions: [['content-length-range', 1, maxBytes]],
      Fields: { 'Content-Type': 'image/png', ...extraFields },
      Expires: 300,
    })
    const form = new FormData()
    for (const [name, value] of Object.entries(fields)) form.append(name, value)
    form.append('file', new Blob([bytes], { type: 'image/png' }))
    const response = await fetch(url, {
      method: 'POST',
      body: form,
      headers: { origin: 'http://localhost:5173' },
    })
    client.destroy()
    return response
  }

  test('takes a presigned POST upload and serves the bytes back on a presigned GET', async () => {
    const bytes = new Uint8Array([137, 80, 78, 71, 0, 1, 2, 255])
    const response = await upload('uploads/u1/pic.png', bytes, 1024)
    expect(response.status).toBeLessThan(300)
    expect(response.headers.get('access-control-allow-origin')).toBeTruthy()

    const client = s3()
    const command = new GetObjectCommand({ Bucket: env().UPLOADS_BUCKET, Key: 'uploads/u1/pic.png' })
    const download = await fetch(await getSignedUrl(client, command, { expiresIn: 60 }))
    client.destroy()
    expect(download.status).toBe(200)
    expect(download.headers.get('content-type')).toBe('image/png')
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(bytes)
  })

  test('answers a browser preflight for POST from any origin', async () => {
    const response = await fetch(`${env().AWS_ENDPOINT_URL_S3}/${env().UPLOADS_BUCKET}/any-key`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' },
    })
    expect(response.status).toBe(200)
    expect(response.headers.get('access-control-allow-methods')).toMatch(/POST/)
  })

  test('answers a malformed multipart POST (CVE-2022-24434) with an error and goes on serving', async () => {
    // A header line that starts with a space continues a header that never began: dicer 0.3.0 threw on it,
    // out of any handler, and took the whole process down.
    const boundary = 'malformed'
    const body = `--${boundary}\r\n Content-Disposition: form-data; name="key"\r\n\r\nx\r\n--${boundary}--\r\n`
    const response = await fetch(`${env().AWS_ENDPOINT_URL_S3}/${env().UPLOADS_BUCKET}`, {
      method: 'POST',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      body,
    })
    // s3rver answers 500 InternalError where S3 answers 400: what matters is that it answers.
    expect(response.ok).toBe(false)
    expect((await upload('uploads/u1/after.png', new Uint8Array(4), 1024)).status).toBeLessThan(300)
  })

  test('does not enforce the POST policy (an upload over content-length-range is stored)', async () => {
    const response = await upload('uploads/u1/too-big.png', new Uint8Array(64), 8)
    expect(response.status).toBeLessThan(300)
  })

  test('drops the tagging field of a presigned POST (the object carries no tags)', async () => {
    const tagging =
      '<Tagging><TagSet><Tag><Key>upload-status</Key><Value>pending</Value></Tag></TagSet></Tagging>'
    const response = await upload('uploads/u1/tagged.png', new Uint8Array(4), 1024, { tagging })
    expect(response.status).toBeLessThan(300)
    const client = s3()
    const { TagSet } = await client.send(
      new GetObjectTaggingCommand({ Bucket: env().UPLOADS_BUCKET, Key: 'uploads/u1/tagged.png' }),
    )
    client.destroy()
    expect(TagSet).toEqual([])
  })
})

describe('local-aws-sqs', { timeout: 30_000 }, () => {
  const sqs = () => new SQSClient({ ...aws(), endpoint: env().AWS_ENDPOINT_URL_SQS })
  const queue = () => env().NOTIFICATIONS_QUEUE_URL as string

  test('has the visibility timeout and redrive policy of infra/resources.ts', async () => {
    const client = sqs()
    const { Attributes } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: queue(), AttributeNames: ['All'] }),
    )
    client.destroy()
    expect(Attributes?.VisibilityTimeout).toBe(String(notificationQueue.visibilityTimeoutSeconds))
    expect(JSON.parse(Attributes?.RedrivePolicy ?? '{}')).toMatchObject({
      maxReceiveCount: notificationQueue.maxReceiveCount,
      deadLetterTargetArn: expect.stringMatching(/chat-local-notifications-dlq$/),
    })
  })

  test('sends, receives, hides and deletes messages in batches', async () => {
    const client = sqs()
    const entries = ['a', 'b', 'c'].map((id) => ({ Id: id, MessageBody: JSON.stringify({ id }) }))
    const sent = await client.send(new SendMessageBatchCommand({ QueueUrl: queue(), Entries: entries }))
    expect(sent.Successful).toHaveLength(3)

    const receive = (WaitTimeSeconds: number) =>
      client.send(new ReceiveMessageCommand({ QueueUrl: queue(), MaxNumberOfMessages: 10, WaitTimeSeconds }))
    const { Messages = [] } = await receive(0)
    expect(Messages).toHaveLength(3)
    expect((await receive(1)).Messages ?? []).toHaveLength(0)

    const [first, ...rest] = Messages
    await client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queue(),
        ReceiptHandle: first?.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    )
    const again = (await receive(1)).Messages ?? []
    expect(again.map((message) => message.Body)).toEqual([first?.Body])

    const handles = [...again, ...rest].map((message, i) => ({
      Id: String(i),
      ReceiptHandle: message.ReceiptHandle,
    }))
    const deleted = await client.send(new DeleteMessageBatchCommand({ QueueUrl: queue(), Entries: handles }))
    expect(deleted.Successful).toHaveLength(3)
    client.destroy()
  })

  test('counts a ChangeMessageVisibility as a receive, which AWS does not (a gap)', async () => {
    const client = sqs()
    await client.send(new SendMessageCommand({ QueueUrl: queue(), MessageBody: 'counted' }))
    const receiveCount = async () => {
      const { Messages = [] } = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: queue(),
          WaitTimeSeconds: 1,
          // local-aws-sqs reads only the deprecated AttributeNames, not MessageSystemAttributeNames.
          AttributeNames: ['All'],
        }),
      )
      return { handle: Messages[0]?.ReceiptHandle, count: Messages[0]?.Attributes?.ApproximateReceiveCount }
    }
    const first = await receiveCount()
    await client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queue(),
        ReceiptHandle: first.handle,
        VisibilityTimeout: 0,
      }),
    )
    const second = await receiveCount()
    await client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queue(),
        Entries: [{ Id: '1', ReceiptHandle: second.handle }],
      }),
    )
    client.destroy()
    expect([first.count, second.count]).toEqual(['1', '3'])
  })

  test('moves a message to the DLQ once its visibility expired maxReceiveCount times', async () => {
    const client = sqs()
    await client.send(new SendMessageCommand({ QueueUrl: queue(), MessageBody: 'poison' }))
    let receives = 0
    for (;;) {
      const { Messages = [] } = await client.send(
        new ReceiveMessageCommand({ QueueUrl: queue(), WaitTimeSeconds: 2, VisibilityTimeout: 1 }),
      )
      if (Messages.length === 0) break
      receives++
    }
    const dead = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: env().NOTIFICATIONS_DLQ_URL,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
      }),
    )
    client.destroy()
    expect(receives).toBe(notificationQueue.maxReceiveCount)
    expect(dead.Messages?.map((message) => message.Body)).toEqual(['poison'])
  })

  /** A queue of the test's own, so no other test's messages or long polls meet its own. */
  const ownQueue = async (client: SQSClient, name: string) => {
    const { QueueUrl } = await client.send(
      new CreateQueueCommand({ QueueName: `${name}-${Date.now().toString(36)}` }),
    )
    return QueueUrl as string
  }

  test('leaves the next message to others when a long poll is abandoned (local-aws-sqs alone takes it)', async () => {
    const client = sqs()
    const queueUrl = await ownQueue(client, 'abandoned')
    const abandon = new AbortController()
    const abandoned = client
      .send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 20 }), {
        abortSignal: abandon.signal,
      })
      .catch((error: Error) => error.name)
    // Long enough for the request to reach the server and wait there.
    await new Promise((resolve) => setTimeout(resolve, 200))
    abandon.abort()
    expect(await abandoned).toBe('AbortError')

    await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'for whoever asks next' }))
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1, AttributeNames: ['All'] }),
    )
    client.destroy()
    expect(Messages.map((message) => message.Body)).toEqual(['for whoever asks next'])
    expect(Messages[0]?.Attributes?.ApproximateReceiveCount).toBe('1')
  })

  test('answers a long poll once messages are visible, with all of them up to its maximum, before its wait ends', async () => {
    const client = sqs()
    const queueUrl = await ownQueue(client, 'answered')
    const started = Date.now()
    const waiting = client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 20, MaxNumberOfMessages: 10 }),
    )
    await new Promise((resolve) => setTimeout(resolve, 200))
    await client.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: ['a', 'b', 'c'].map((id) => ({ Id: id, MessageBody: id })),
      }),
    )
    const { Messages = [] } = await waiting
    const waitedMs = Date.now() - started
    client.destroy()
    expect(Messages.map((message) => message.Body).sort()).toEqual(['a', 'b', 'c'])
    // Not held until ten messages or the 20 s are there, as SQS does not hold it.
    expect(waitedMs).toBeLessThan(20_000)
  })

  test('answers a waiting long poll with a message whose visibility timeout ended meanwhile', async () => {
    const client = sqs()
    const queueUrl = await ownQueue(client, 'reappears')
    await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'again' }))
    const first = await client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, VisibilityTimeout: 1 }))
    expect(first.Messages).toHaveLength(1)
    const again = await client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 5, AttributeNames: ['All'] }),
    )
    client.destroy()
    expect(
      again.Messages?.map((message) => [message.Body, message.Attributes?.ApproximateReceiveCount]),
    ).toEqual([['again', '2']])
  })

  test('goes on serving after a receive whose client left before sending all its body', async () => {
    const serving = storeProcess('sqs')
    const { hostname, port } = new URL(env().AWS_ENDPOINT_URL_SQS as string)
    const socket = connect(Number(port), hostname)
    await new Promise((resolve) => socket.once('connect', resolve))
    socket.write(
      'POST / HTTP/1.1\r\nHost: sqs\r\ncontent-type: application/x-amz-json-1.0\r\n' +
        'x-amz-target: AmazonSQS.ReceiveMessage\r\ncontent-length: 100\r\n\r\n{"QueueUrl":',
    )
    await new Promise((resolve) => setTimeout(resolve, 100))
    socket.destroy()

    const client = sqs()
    const { Attributes } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: queue(), AttributeNames: ['QueueArn'] }),
    )
    client.destroy()
    expect(Attributes?.QueueArn).toMatch(/chat-local-notifications$/)
    expect(storeProcess('sqs')).toBe(serving)
  })
})

describe('a store process that dies', { timeout: 120_000 }, () => {
  test('is logged with its exit reason and restarted on the same port with the same data', async () => {
    const sql = postgres(env().DATABASE_URL as string, { max: 1, prepare: false, onnotice: () => {} })
    const dynamo = DynamoDBDocumentClient.from(
      new DynamoDBClient({ ...aws(), endpoint: env().AWS_ENDPOINT_URL_DYNAMODB }),
    )
    const s3 = new S3Client({ ...aws(), endpoint: env().AWS_ENDPOINT_URL_S3, forcePathStyle: true })
    const sqs = new SQSClient({ ...aws(), endpoint: env().AWS_ENDPOINT_URL_SQS })
    const redis = new Redis({
      url: env().UPSTASH_REDIS_REST_URL as string,
      token: env().UPSTASH_REDIS_REST_TOKEN as string,
      enableTelemetry: false,
    })
    const TableName = env().CONNECTIONS_TABLE
    try {
      await sql`create table if not exists survivors (name text)`
      await sql`insert into survivors values ('kept')`
      await dynamo.send(
        new PutCommand({ TableName, Item: { connectionId: 'live', userId: 'u9', expiresAt: 1 } }),
      )
      await s3.send(new PutObjectCommand({ Bucket: env().UPLOADS_BUCKET, Key: 'kept.txt', Body: 'kept' }))
      await redis.set('kept', 'yes')

      const servers = {
        postgres: 'pglite',
        dynamodb: 'dynalite',
        s3: 's3rver',
        sqs: 'sqs',
        'upstash-rest': 'upstash-rest',
      }
      const killed = Object.entries(servers).map(([name, server]) => ({ name, pid: storeProcess(server) }))
      for (const { pid } of killed) process.kill(pid, 'SIGKILL')

      await eventually(() => {
        for (const { name } of killed)
          expect(logged.some((line) => line.startsWith(`${name}: restarted as process`))).toBe(true)
      })
      for (const { name, pid } of killed) {
        const ended = `${name}: process ${pid} ended (signal SIGKILL); restarting it on port`
        expect(logged.some((line) => line.startsWith(ended))).toBe(true)
      }
      // Clients keep the endpoints they had: the same ports, the same credentials.
      await eventually(async () => expect(await sql`select name from survivors`).toEqual([{ name: 'kept' }]))
      const { Item } = await dynamo.send(new GetCommand({ TableName, Key: { connectionId: 'live' } }))
      expect(Item?.userId).toBe('u9')
      const object = await s3.send(new GetObjectCommand({ Bucket: env().UPLOADS_BUCKET, Key: 'kept.txt' }))
      expect(await object.Body?.transformToString()).toBe('kept')
      // SQS keeps its queues in memory only: they are made again, at the same URL.
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: env().NOTIFICATIONS_QUEUE_URL, AttributeNames: ['All'] }),
      )
      expect(Attributes?.VisibilityTimeout).toBe(String(notificationQueue.visibilityTimeoutSeconds))
      expect(await redis.get('kept')).toBe('yes')
    } finally {
      await sql.end()
      dynamo.destroy()
      s3.destroy()
      sqs.destroy()
    }
  })
})

describe('when a store cannot start', { timeout: 30_000 }, () => {
  test('names what is missing and the ways out', async () => {
    const bare = { PATH: join(tempDir, 'empty-bin'), DATABASE_URL: 'postgres://127.0.0.1:1/unused' }
    const start = startLocalStores({
      dataDir: join(tempDir, 'bare'),
      cacheDir: join(tempDir, 'no-cache'),
      env: bare,
    })
    const error = await start.then(
      () => undefined,
      (failure: Error) => failure,
    )
    expect(error?.message).toMatch(/`go` is not on PATH.*Install Go.*or set MONGO_URL/)
    expect(error?.message).toMatch(/redis-server is not on PATH.*Install Redis.*or set REDIS_URL/)
  })

  test('refuses a PGlite data directory another runtime is using', async () => {
    const { DATABASE_URL: _ours, ...adoptEverythingElse } = env()
    const second = startLocalStores({
      dataDir: join(tempDir, 'data'),
      cacheDir: '.',
      env: adoptEverythingElse,
    })
    await expect(second).rejects.toThrow(/in use by process \d+.*set DATABASE_URL/)
  })
})

describe('stopping', { timeout: 30_000 }, () => {
  test('ends every child process and closes every endpoint, and may be called twice', async () => {
    const before = childProcesses()
    expect(before.some((line) => line.endsWith('redis-server'))).toBe(true)
    expect(before.some((line) => / ferretdb/.test(line))).toBe(true)
    const storeServers = childProcesses('args=').flatMap((line) => /host\.mjs (\S+)$/.exec(line)?.[1] ?? [])
    expect(storeServers.sort()).toEqual(['dynalite', 'pglite', 's3rver', 'sqs', 'upstash-rest'])

    await stores.stop()
    await stores.stop()

    expect(childProcesses()).toEqual([])
    // The signing and VAPID keys are files and mail a folder, not servers: every other store listens on a URL.
    const servers = stores.stores.filter((store) => !['jwt-keys', 'vapid-keys', 'mail'].includes(store.name))
    const open = await Promise.all(servers.map((store) => accepts(store.endpoint)))
    expect(open).toEqual(servers.map(() => false))
  })
})

describe('signing keys', () => {
  test('are kept in the data folder, so tokens survive a restart, and verify with lib/config.ts', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'chat-keys-'))
    try {
      const context = {
        dataDir,
        cacheDir: dataDir,
        env: {},
        log: () => {},
        aws: { region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } },
      }
      const [first, second] = await Promise.all([startSigningKeys(context), startSigningKeys(context)])
      expect(first.env.JWT_SIGNING_KEYS).toBe(second.env.JWT_SIGNING_KEYS)
      const again = await startSigningKeys(context)
      expect(again.env.JWT_SIGNING_KEYS).toBe(first.env.JWT_SIGNING_KEYS)
      const config = parseConfig({ ...env(), ...first.env })
      expect(config.JWT_SIGNING_KEYS?.[0]?.d).toBeDefined()
      const given = await startSigningKeys({ ...context, env: { JWT_SIGNING_KEYS: 'given' } })
      expect(given.env.JWT_SIGNING_KEYS).toBe('given')
    } finally {
      await rm(dataDir, { recursive: true, force: true })
    }
  })
})
