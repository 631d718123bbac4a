// Store clients that log each round trip's start and end, and the longest chain of round trips one after another.
import { performance } from 'node:perf_hooks'
import type { Redis } from '@upstash/redis'
import { MongoClient } from 'mongodb'
import type { Sql } from '../../../lib/stores/postgres.ts'

export interface RoundTrip {
  store: string
  what: string
  start: number
  end: number
}

export class RoundTripLog {
  readonly trips: RoundTrip[] = []

  /** Times a promise-returning call as one round trip. */
  time<T>(store: string, what: string, work: () => PromiseLike<T>): Promise<T> {
    const trip: RoundTrip = { store, what, start: performance.now(), end: Number.POSITIVE_INFINITY }
    this.trips.push(trip)
    return Promise.resolve(work()).finally(() => {
      trip.end = performance.now()
    })
  }

  clear() {
    this.trips.length = 0
  }

  /**
   * The longest chain of trips that started before `until`, each starting only after the one before it ended:
   * trips that overlap ran side by side and count once.
   */
  sequential(until = Number.POSITIVE_INFINITY): RoundTrip[] {
    const trips = this.trips.filter((trip) => trip.start < until).sort((a, b) => a.start - b.start)
    const chains: RoundTrip[][] = []
    for (const trip of trips) {
      let longest: RoundTrip[] = []
      for (const [i, before] of trips.entries()) {
        const chain = chains[i]
        if (chain && before.end <= trip.start && chain.length > longest.length) longest = chain
      }
      chains.push([...longest, trip])
    }
    return chains.reduce<RoundTrip[]>((a, b) => (b.length > a.length ? b : a), [])
  }
}

/**
 * postgres.js runs a query when it is first awaited; fragments nested in a query never are, so only real round
 * trips are logged.
 */
export function countedSql(sql: Sql, log: RoundTripLog): Sql {
  return new Proxy(sql, {
    apply(target, thisArg, args) {
      const query = Reflect.apply(target, thisArg, args)
      if (typeof query?.then !== 'function') return query
      const then = query.then.bind(query)
      const text = Array.isArray(args[0]) ? String(args[0][0]).trim().split(/\s+/).slice(0, 3).join(' ') : ''
      let timed: Promise<unknown> | undefined
      // biome-ignore lint/suspicious/noThenProperty: postgres.js runs a query from its then, which is where timing starts.
      query.then = (resolve: (value: unknown) => unknown, reject: (reason: unknown) => unknown) => {
        timed ??= log.time('postgres', text, () => ({ then }))
        return timed.then(resolve, reject)
      }
      return query
    },
  })
}

/** A MongoDB client of its own whose command monitoring logs every command sent. */
export async function countedMongo(url: string, log: RoundTripLog): Promise<MongoClient> {
  const client = new MongoClient(url, { monitorCommands: true, maxPoolSize: 5 })
  const open = new Map<number, RoundTrip>()
  client.on('commandStarted', (event) => {
    const trip = {
      store: 'mongo',
      what: event.commandName,
      start: performance.now(),
      end: Number.POSITIVE_INFINITY,
    }
    open.set(event.requestId, trip)
    log.trips.push(trip)
  })
  const finish = (event: { requestId: number }) => {
    const trip = open.get(event.requestId)
    if (trip) trip.end = performance.now()
    open.delete(event.requestId)
  }
  client.on('commandSucceeded', finish)
  client.on('commandFailed', finish)
  return client.connect()
}

/** Each Upstash REST call is one round trip. */
export function countedRedis(redis: Redis, log: RoundTripLog): Redis {
  return new Proxy(redis, {
    get(target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver)
      if (typeof value !== 'function' || typeof name !== 'string') return value
      return (...args: unknown[]) => {
        const result: unknown = value.apply(target, args)
        if (typeof result !== 'object' || result === null || !('then' in result)) return result
        return log.time('redis', name, () => result as PromiseLike<unknown>)
      }
    },
  })
}
