// Preloaded into the service process by the bench (node --import): logs every store round trip its handlers make,
// between a `mark` and a `take` the bench sends over IPC, without touching the service's code.
//
// PostgreSQL: postgres.js runs each query from Query#handle and settles it through the instance's resolve/reject.
// MongoDB: the driver's own command monitoring, switched on for every client before it connects.
// Redis (Upstash REST) and the AWS SDK (DynamoDB, S3, SQS over node:http): Node's diagnostics channels for
// outgoing HTTP requests, named by the endpoint the environment gives each store. @connections posts, which the
// local gateway serves by a call to handlers in its process: the announcement each makes on `chat-service:aws-call`.
import { subscribe } from 'node:diagnostics_channel'
import type { ClientRequest } from 'node:http'
import { performance } from 'node:perf_hooks'
import { MongoClient } from 'mongodb'
import { awsCallChannel } from '../../lib/stores/aws-signature.ts'
import { type RoundTrip, RoundTripLog } from '../integration/messaging/round-trips.ts'
import { chainBefore } from './chain.ts'
import { answerBenchRequests } from './child.ts'

/** What `take` answers: the store round trips since `mark`, and those in sequence before the first frame left. */
export interface ProbeReport {
  /**
   * The longest chain of store round trips one after another before the first @connections post (the ack), as
   * steps: each the trips that started while its link of the chain ran, `store what` each.
   */
  beforeFirstFrame: string[][]
  /** Every store round trip since the mark, by store. */
  byStore: Record<string, number>
  /** @connections posts since the mark. */
  framesPosted: number
}

/** Where a frame is posted to a connection: not a store, and the first post after a send is its ack. */
const connectionsApi = '@connections'

const log = new RoundTripLog()
let recording = false

function begin(store: string, what: string): RoundTrip | undefined {
  if (!recording) return undefined
  const trip = { store, what, start: performance.now(), end: Number.POSITIVE_INFINITY }
  log.trips.push(trip)
  return trip
}

const finish = (trip: RoundTrip | undefined) => {
  if (trip) trip.end = performance.now()
}

interface PostgresQuery {
  executed: boolean
  strings: readonly string[] | string
  resolve: (value: unknown) => void
  reject: (reason: unknown) => void
}

async function watchPostgres() {
  const queryModule = new URL('./query.js', import.meta.resolve('postgres')).href
  const { Query } = (await import(queryModule)) as { Query: { prototype: { handle(): Promise<void> } } }
  const handle = Query.prototype.handle
  Query.prototype.handle = function (this: PostgresQuery) {
    const trip = this.executed ? undefined : begin('postgres', firstWords(this.strings))
    if (trip) {
      const { resolve, reject } = this
      this.resolve = (value) => {
        finish(trip)
        resolve(value)
      }
      this.reject = (reason) => {
        finish(trip)
        reject(reason)
      }
    }
    return handle.call(this)
  }
}

const firstWords = (strings: readonly string[] | string) =>
  String(typeof strings === 'string' ? strings : strings[0])
    .trim()
    .split(/\s+/)
    .slice(0, 3)
    .join(' ')

function watchMongo() {
  const connect = MongoClient.prototype.connect
  MongoClient.prototype.connect = function (this: MongoClient) {
    this.options.monitorCommands = true
    const open = new Map<number, RoundTrip>()
    this.on('commandStarted', (event) => {
      const trip = begin('mongo', event.commandName)
      if (trip) open.set(event.requestId, trip)
    })
    const done = (event: { requestId: number }) => {
      finish(open.get(event.requestId))
      open.delete(event.requestId)
    }
    this.on('commandSucceeded', done)
    this.on('commandFailed', done)
    return connect.call(this)
  }
}

/** The store an HTTP origin belongs to, from the endpoints the local runtime put in the environment. */
function storeAt(origin: string): string {
  const endpoints: [string, string | undefined][] = [
    ['redis', process.env.UPSTASH_REDIS_REST_URL],
    ['dynamodb', process.env.AWS_ENDPOINT_URL_DYNAMODB],
    ['s3', process.env.AWS_ENDPOINT_URL_S3],
    ['sqs', process.env.AWS_ENDPOINT_URL_SQS],
    [connectionsApi, process.env.WS_MANAGEMENT_ENDPOINT],
  ]
  for (const [store, url] of endpoints) if (url && new URL(url).host === new URL(origin).host) return store
  return origin
}

function watchHttp() {
  const fromNode = new WeakMap<ClientRequest, RoundTrip>()
  // Outside a mark, each request costs the service nothing more than this check: the bench measures its CPU too.
  subscribe('http.client.request.start', (message) => {
    if (!recording) return
    const { request } = message as { request: ClientRequest }
    const target = request.getHeader('x-amz-target')
    const store = storeAt(`http://${request.getHeader('host')}`)
    // Counted from its announcement below, whichever way it goes.
    if (store === connectionsApi) return
    const trip = begin(
      store,
      target ? String(target).replace(/^.*\./, '') : `${request.method} ${request.path.replace(/\?.*/, '')}`,
    )
    if (trip) fromNode.set(request, trip)
  })
  for (const channel of ['http.client.response.finish', 'http.client.request.error'])
    subscribe(channel, (message) => finish(fromNode.get((message as { request: ClientRequest }).request)))

  const fromFetch = new WeakMap<object, RoundTrip>()
  subscribe('undici:request:create', (message) => {
    if (!recording) return
    const { request } = message as { request: { origin: string; method: string; path: string } }
    const trip = begin(storeAt(request.origin), `${request.method} ${request.path}`)
    if (trip) fromFetch.set(request, trip)
  })
  for (const channel of ['undici:request:headers', 'undici:request:error'])
    subscribe(channel, (message) => finish(fromFetch.get((message as { request: object }).request)))

  awsCallChannel.subscribe((message) => {
    const { operation } = message as { operation: string }
    if (operation === 'PostToConnection') finish(begin(connectionsApi, operation))
  })
}

function report(): ProbeReport {
  const isFrame = (trip: RoundTrip) => trip.store === connectionsApi
  const frames = log.trips.filter(isFrame)
  const storeTrips = log.trips.filter((trip) => !isFrame(trip))
  const byStore: Record<string, number> = {}
  for (const trip of storeTrips) byStore[trip.store] = (byStore[trip.store] ?? 0) + 1
  return {
    beforeFirstFrame: chainBefore(storeTrips, Math.min(...frames.map((trip) => trip.start))),
    byStore,
    framesPosted: frames.length,
  }
}

if (process.send) {
  await watchPostgres()
  watchMongo()
  watchHttp()
  answerBenchRequests(
    (message) => {
      if (message.probe === 'mark') {
        log.clear()
        recording = true
        return null
      }
      if (message.probe === 'take') {
        recording = false
        return report()
      }
      throw new Error(`unknown probe request ${String(message.probe)}`)
    },
    // The service stops its stores on SIGTERM; a bench that died must not leave them running.
    () => process.kill(process.pid, 'SIGTERM'),
  )
}
