// The HTTP stores with MongoDB loaded on first use, for a function that reaches it only on rare routes: its cold
// start then skips initialising the driver (~40 ms), paid instead by the first request that writes to MongoDB.
import { storeDeps } from './deps.ts'
import type { MongoHttpDeps } from './mongo-deps.ts'

export const deferredMongoStoreDeps: MongoHttpDeps = {
  ...storeDeps,
  mongo: async () => (await import('../stores/mongo.ts')).mongoDb(),
}
