// A store client created on first use and shared by every later invocation in the process.

export interface Lazy<T> {
  get(): Promise<T>
  /** Forgets the client (after a close); the next get() creates a new one. */
  reset(): Promise<T | undefined>
}

/** A failed creation is not cached, so a cold start during an outage can recover on the next call. */
export function lazy<T>(create: () => Promise<T>): Lazy<T> {
  let pending: Promise<T> | undefined
  return {
    get() {
      if (!pending) {
        const attempt = create()
        pending = attempt
        attempt.catch(() => {
          if (pending === attempt) pending = undefined
        })
      }
      return pending
    },
    async reset() {
      const current = pending
      pending = undefined
      return current?.catch(() => undefined)
    },
  }
}
