// DynamoDB's JSON protocol as SigV4-signed HTTP requests on kept-alive sockets, for what every fan-out does: the
// BatchGetItem of the recipients' connection lists, and the removal of a connection that answered 410 Gone
// (lib/connections/lists.ts). Not the SDK's client there: in the bench's direct pairs, where each message's fan-out
// is one small lookup, the client's middleware, serde, signer and HTTP handler were a sixth of the service process's
// CPU, and a function that fans out needs the SDK's DynamoDB client for nothing else. Other DynamoDB calls stay on
// the SDK.
import { ConfigError, config } from '../config.ts'
import { awsCallChannel, signatureHeaders } from './aws-signature.ts'
import { keptAliveOrigin } from './kept-alive-http.ts'

/** A refusal of DynamoDB, named as the SDK names it (ProvisionedThroughputExceededException, ...). */
export class DynamoDbError extends Error {
  constructor(
    override readonly name: string,
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

export type DynamoOperation = 'BatchGetItem' | 'DeleteItem' | 'UpdateItem'

/** A request in DynamoDB JSON: a batch's items by table, or one item's operation on its table. */
export type DynamoRequest =
  | { RequestItems: Record<string, unknown> }
  | ({ TableName: string } & Record<string, unknown>)

export interface DynamoJson {
  /** One operation, its request and answer in DynamoDB JSON. Throws DynamoDbError when DynamoDB refuses it. */
  call<Answer>(operation: DynamoOperation, request: DynamoRequest): Promise<Answer>
}

/** As the SDK client of lib/stores/dynamodb.ts: three attempts. */
const attempts = 3
const requestTimeoutMs = 10_000
/** The SDK's standard retry: a random wait up to base × 2^attempt, with a longer base after throttling. */
const retryBaseMs = 100
const throttledRetryBaseMs = 500
const throttling = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'RequestThrottledException',
  'TooManyRequestsException',
])

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function errorOf(status: number, errorType: string | string[] | undefined, body: string): DynamoDbError {
  let parsed: { __type?: string; message?: string; Message?: string } = {}
  try {
    parsed = JSON.parse(body) as typeof parsed
  } catch {}
  // `__type` is `com.amazonaws.dynamodb.v20120810#Name`; `x-amzn-errortype` may carry `:namespace` after the name.
  const named =
    parsed.__type?.split('#').pop() || (Array.isArray(errorType) ? errorType[0] : errorType)?.split(':')[0]
  return new DynamoDbError(named || `HttpError${status}`, status, parsed.message ?? parsed.Message ?? body)
}

/**
 * DynamoDB at `endpoint` (`https://dynamodb.{region}.amazonaws.com`, or a local stand-in), signed with the
 * credentials Lambda puts in the environment. A request that gets no answer, a 5xx or a throttling refusal is sent
 * again after the SDK's backoff, three attempts in all.
 */
export function dynamoJsonApi(
  endpoint: string,
  region: string,
  options: { backoffMs?: (attempt: number, throttled: boolean) => number } = {},
): DynamoJson {
  const backoffMs =
    options.backoffMs ??
    ((attempt, throttled) => Math.random() * (throttled ? throttledRetryBaseMs : retryBaseMs) * 2 ** attempt)
  const origin = keptAliveOrigin(endpoint)
  const { base } = origin
  const path = base.pathname
  const announced = base.href.replace(/\/$/, '')

  const once = async (operation: DynamoOperation, body: string) => {
    const headers = signatureHeaders({
      method: 'POST',
      host: base.host,
      path,
      service: 'dynamodb',
      region,
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `DynamoDB_20120810.${operation}`,
      },
      body,
      purpose: 'read and remove live connections',
    })
    const answer = await origin.request({
      method: 'POST',
      path,
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      body,
      timeoutMs: requestTimeoutMs,
    })
    if (answer.status !== 200) throw errorOf(answer.status, answer.headers['x-amzn-errortype'], answer.text)
    return answer.text
  }

  return {
    async call<Answer>(operation: DynamoOperation, request: DynamoRequest) {
      if (awsCallChannel.hasSubscribers)
        awsCallChannel.publish({
          client: 'DynamoDBClient',
          operation,
          endpoint: announced,
          table: 'TableName' in request ? request.TableName : Object.keys(request.RequestItems)[0],
        })
      const body = JSON.stringify(request)
      for (let attempt = 1; ; attempt++) {
        try {
          return JSON.parse(await once(operation, body)) as Answer
        } catch (error) {
          const throttled = error instanceof DynamoDbError && throttling.has(error.name)
          const refused = error instanceof DynamoDbError && error.status < 500 && !throttled
          if (refused || error instanceof ConfigError || attempt >= attempts) throw error
          await sleep(backoffMs(attempt, throttled))
        }
      }
    },
  }
}

let client: DynamoJson | undefined

/** The configured endpoint's client (AWS_ENDPOINT_URL_DYNAMODB, as the SDK reads it, else the region's), once. */
export function dynamoJson(): DynamoJson {
  const { AWS_REGION, AWS_ENDPOINT_URL_DYNAMODB } = config()
  client ??= dynamoJsonApi(
    AWS_ENDPOINT_URL_DYNAMODB ?? `https://dynamodb.${AWS_REGION}.amazonaws.com`,
    AWS_REGION,
  )
  return client
}
