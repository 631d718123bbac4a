// The HTTP stores with MongoDB: for the functions that keep documents there or record actions in the audit log.
import type { Db } from 'mongodb'
import { mongoDb } from '../stores/mongo.ts'
import { type HttpDeps, storeDeps } from './deps.ts'

export interface MongoHttpDeps extends HttpDeps {
  mongo: () => Promise<Db>
}

export const mongoStoreDeps: MongoHttpDeps = { ...storeDeps, mongo: mongoDb }
