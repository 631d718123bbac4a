// Records every AWS call each function makes while the local runtime runs, for `npm run check:iam`.
// Installed only by the local runtime (or a test worker) when AWS_CALLS_RECORD_DIR is set: it hooks the AWS SDK
// in this process and attributes each call to the invocation it runs in, as a Lambda's role would be.
import { appendFileSync, mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { awsCallChannel } from '../../lib/stores/aws-signature.ts'
import { currentInvocation, onInvocation } from '../local/gateway/invocations.ts'

/** Where a resource a call names came from: the environment variable whose local value it was. */
export interface ResourceRef {
  env: string
  /** What follows the named resource: an index of a table, a key in a bucket, a connection of the endpoint. */
  index?: string
  key?: string
  connectionId?: string
  /** For S3 CopyObject: the object read, which IAM checks as a GetObject of its own. */
  copySource?: { env: string; key: string }
}

export interface RecordedCall {
  kind: 'call'
  function: string
  entry: string
  /** The SDK client and operation: `DynamoDBClient` `Query`. */
  client: string
  operation: string
  /** Set for a presigned POST: a policy signed for the client to use, never sent by the function. */
  presigned?: boolean
  resource?: ResourceRef
  /** A local value no environment variable names: the call reached something the deployed config cannot. */
  unnamed?: string
}

export interface RecordedInvocation {
  kind: 'invocation'
  function: string
  entry: string
  trigger: string
}

export type Recorded = RecordedCall | RecordedInvocation

export const recordDirVariable = 'AWS_CALLS_RECORD_DIR'

/** Variables that name resources; a value the call carries is matched against their local values. */
const namingVariables = /^(?!AWS_)[A-Z0-9_]*(TABLE|BUCKET|QUEUE_URL|ENDPOINT|SECRET_ARN)$/

function resourceOf(value: string): Pick<RecordedCall, 'resource' | 'unnamed'> {
  const named = Object.entries(process.env).find(
    ([name, local]) =>
      namingVariables.test(name) && local !== undefined && local.replace(/\/$/, '') === value,
  )
  return named ? { resource: { env: named[0] } } : { unnamed: value }
}

interface CommandLike {
  input?: Record<string, unknown>
}

/** The resource a command names, by its input (and, for @connections, the client's endpoint). */
async function resourceOfCommand(
  client: string,
  input: Record<string, unknown>,
  endpoint: () => Promise<string | undefined>,
): Promise<Pick<RecordedCall, 'resource' | 'unnamed'>> {
  const text = (name: string) => (typeof input[name] === 'string' ? (input[name] as string) : undefined)
  if (client === 'ApiGatewayManagementApiClient') {
    const found = resourceOf((await endpoint()) ?? '')
    return found.resource ? { resource: { ...found.resource, connectionId: text('ConnectionId') } } : found
  }
  // A batch names its tables as the keys of RequestItems; the service's batches each read or write one table.
  const batched = input.RequestItems
  const table =
    text('TableName') ??
    (typeof batched === 'object' && batched !== null ? Object.keys(batched)[0] : undefined)
  if (table) {
    const found = resourceOf(table)
    return found.resource ? { resource: { ...found.resource, index: text('IndexName') } } : found
  }
  const bucket = text('Bucket')
  if (bucket) {
    const found = resourceOf(bucket)
    if (!found.resource) return found
    const copied = text('CopySource')
    const [sourceBucket = '', ...sourceKey] = copied ? decodeURIComponent(copied).split('/') : []
    const source = copied ? resourceOf(sourceBucket) : undefined
    if (source && !source.resource) return source
    return {
      resource: {
        ...found.resource,
        key: text('Key'),
        ...(source?.resource && { copySource: { env: source.resource.env, key: sourceKey.join('/') } }),
      },
    }
  }
  const queue = text('QueueUrl')
  if (queue) return resourceOf(queue)
  const secret = text('SecretId')
  if (secret) return resourceOf(secret)
  return {}
}

// One recorder per process, however often this module is evaluated in it (a test worker does so for every file):
// the SDK it hooks loads once per process, so a second hook would record every call twice, or not at all.
const shared = Symbol.for('chat-service.aws-call-recorder')
const global = globalThis as {
  [shared]?: { writer?: (entry: Recorded) => void; file?: string; hooked?: boolean }
}
global[shared] ??= {}
const recorder = global[shared]

/** The file this process records into, once the recorder is installed. */
export const recordingFile = (): string | undefined => recorder.file

/** What makes two entries the same for IAM: connection ids and keys below the top prefix vary per run. */
function shapeOf(entry: Recorded): string {
  if (entry.kind !== 'call' || !entry.resource) return JSON.stringify(entry)
  const { connectionId, key, copySource, ...resource } = entry.resource
  return JSON.stringify({
    ...entry,
    resource: {
      ...resource,
      key: key?.split('/')[0],
      connection: !!connectionId,
      ...(copySource && { copySource: { ...copySource, key: copySource.key.split('/')[0] } }),
    },
  })
}

/** Appends each distinct entry once to `<dir>/<pid>.jsonl`, so parallel test workers never share a file. */
function fileWriter(dir: string) {
  mkdirSync(dir, { recursive: true })
  const path = join(dir, `${process.pid}.jsonl`)
  recorder.file = path
  const seen = new Set<string>()
  return (entry: Recorded) => {
    const shape = shapeOf(entry)
    if (seen.has(shape)) return
    seen.add(shape)
    appendFileSync(path, `${JSON.stringify(entry)}\n`)
  }
}

function record(base: Omit<RecordedCall, 'kind' | 'function' | 'entry'>) {
  const invocation = currentInvocation()
  if (!invocation || !recorder.writer) return
  recorder.writer({ kind: 'call', function: invocation.function, entry: invocation.entry, ...base })
}

/**
 * Hooks the AWS SDK of this process once: every command a client resolves (sent, or presigned by getSignedUrl,
 * which authorizes the same action) and every presigned POST. Later calls are attributed to the invocation they run in.
 */
export function installAwsCallRecorder(dir = process.env[recordDirVariable]): boolean {
  if (!dir) return false
  if (recorder.writer) return true
  recorder.writer = fileWriter(dir)
  if (recorder.hooked) return true
  recorder.hooked = true
  // Every invocation too, so the check knows what the run covered.
  onInvocation((invocation) => recorder.writer?.({ kind: 'invocation', ...invocation }))
  const require = createRequire(import.meta.url)
  // Every client and command of the SDK shares these classes (one @smithy/core in the tree).
  const { Client, Command } = require('@smithy/core/client') as {
    Client: { prototype: Record<string, (...args: unknown[]) => unknown> }
    Command: { prototype: Record<string, (...args: unknown[]) => unknown> }
  }
  // A client created with cacheMiddleware resolves each command class once, and later calls are not seen below.
  // Given an options object, send resolves the middleware again: a recorded run sees every call.
  const send = Client.prototype.send as (this: unknown, ...args: unknown[]) => unknown
  Client.prototype.send = function (
    this: unknown,
    command: unknown,
    optionsOrCallback?: unknown,
    callback?: unknown,
  ) {
    return send.call(this, command, optionsOrCallback ?? {}, callback)
  }
  const resolve = Command.prototype.resolveMiddlewareWithContext as (
    this: CommandLike,
    stack: unknown,
    configuration: {
      endpoint?: () => Promise<{ protocol: string; hostname: string; port?: number; path: string }>
    },
    options: unknown,
    context: { clientName: string; commandName: string },
  ) => unknown
  Command.prototype.resolveMiddlewareWithContext = function (this: CommandLike, ...args: unknown[]) {
    const [, configuration, , context] = args as Parameters<typeof resolve>
    const input = this.input ?? {}
    if (currentInvocation()) {
      const endpoint = async () => {
        const found = await configuration.endpoint?.()
        if (!found) return undefined
        const port = found.port ? `:${found.port}` : ''
        return `${found.protocol}//${found.hostname}${port}${found.path}`.replace(/\/$/, '')
      }
      const operation = context.commandName.replace(/Command$/, '')
      resourceOfCommand(context.clientName, input, endpoint).then(
        (resource) => record({ client: context.clientName, operation, ...resource }),
        () => record({ client: context.clientName, operation, unnamed: 'unresolved endpoint' }),
      )
    }
    return resolve.apply(this, args as Parameters<typeof resolve>)
  }
  // The calls signed and sent without an SDK client (@connections in lib/stores/ws-management.ts, the fan-out's
  // reads and removals in lib/stores/dynamodb-json.ts) announce themselves, naming their endpoint and connection, or
  // their table.
  awsCallChannel.subscribe((message) => {
    const { client, operation, endpoint, connectionId, table } = message as {
      client: string
      operation: string
      endpoint: string
      connectionId?: string
      table?: string
    }
    const found = resourceOf(table ?? endpoint)
    record({
      client,
      operation,
      ...(found.resource
        ? { resource: table === undefined ? { ...found.resource, connectionId } : found.resource }
        : found),
    })
  })
  // A presigned POST signs a policy with the function's credentials and never resolves a command.
  const presignedPost = require('@aws-sdk/s3-presigned-post') as {
    createPresignedPost: (
      client: unknown,
      params: { Bucket: string; Key: string; Fields?: object },
    ) => unknown
  }
  const createPresignedPost = presignedPost.createPresignedPost
  presignedPost.createPresignedPost = (client, params) => {
    const found = resourceOf(params.Bucket)
    const resource = found.resource ? { resource: { ...found.resource, key: params.Key } } : found
    record({ client: 'S3Client', operation: 'PutObject', presigned: true, ...resource })
    // Tags set through the POST's `tagging` field need the tagging permission too.
    if (params.Fields && 'tagging' in params.Fields) {
      record({ client: 'S3Client', operation: 'PutObjectTagging', presigned: true, ...resource })
    }
    return createPresignedPost(client, params)
  }
  return true
}

/**
 * Ends recording into the file installAwsCallRecorder opened, for a test that recorded into a directory of its own
 * and removes it: the hooks stay (the SDK cannot be unhooked) but record nothing until the recorder is installed again.
 */
export function stopAwsCallRecorder(): void {
  recorder.writer = undefined
  recorder.file = undefined
}
