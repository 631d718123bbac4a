// Async work with at most `limit` items in flight: fan-out must be concurrent but never unbounded.

/** Runs `work` over a list, at most `limit` at once. */
export async function forEachBounded<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T
      await work(item)
    }
  }
  const workers = Math.max(1, Math.min(Math.floor(limit), items.length))
  await Promise.all(Array.from({ length: workers }, worker))
}

/**
 * A gate for work that arrives over time (posts for each lookup answer as it comes): `run` starts its work at once
 * while fewer than `limit` are in flight, else when one ends, in the order they came.
 */
export function boundedRunner(limit: number) {
  let active = 0
  const waiting: (() => void)[] = []
  return async function run<T>(work: () => Promise<T>): Promise<T> {
    while (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve))
    active++
    try {
      return await work()
    } finally {
      active--
      waiting.shift()?.()
    }
  }
}
