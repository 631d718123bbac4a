// What each local store module is given by index.ts, and what it gives back.
import type { StartedStore } from './index.ts'

export interface StoreContext {
  dataDir: string
  cacheDir: string
  env: NodeJS.ProcessEnv
  log: (line: string) => void
  /** Region and dummy credentials for the SDK clients that create tables, buckets and queues. */
  aws: { region: string; credentials: { accessKeyId: string; secretAccessKey: string } }
}

export interface RunningStore {
  stores: StartedStore[]
  env: Record<string, string>
  stop(): Promise<void>
}

/** A store the caller's environment already provides: nothing to start or stop. */
export function fromEnvironment(name: string, endpoint: string, env: Record<string, string>): RunningStore {
  return { stores: [{ name, endpoint, source: 'environment' }], env, stop: async () => {} }
}
