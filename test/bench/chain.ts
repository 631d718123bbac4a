// The store round trips that held up an answer: the longest chain one after another, and what ran beside each link.
import { type RoundTrip, RoundTripLog } from '../integration/messaging/round-trips.ts'

/**
 * The longest chain of `trips` one after another that started before `until`, as steps: each the trips that
 * started after the link before it ended and before its own link ended (side by side with it), `store what` each.
 */
export function chainBefore(trips: readonly RoundTrip[], until: number): string[][] {
  const log = new RoundTripLog()
  log.trips.push(...trips)
  const chain = log.sequential(until)
  return chain.map((link, i) =>
    trips
      .filter(
        (trip) => trip.start < link.end && trip.start >= (chain[i - 1]?.end ?? Number.NEGATIVE_INFINITY),
      )
      .sort((a, b) => a.start - b.start)
      .map((trip) => `${trip.store} ${trip.what}`),
  )
}
