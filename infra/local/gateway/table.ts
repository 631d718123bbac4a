// The route table as the local gateway reads it (the real one by default, or a test's own) and where it lives.
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as routes from '../../routes.ts'

/** Function entries are paths relative to the repository root. */
export const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')

export interface FunctionEntry {
  entry: string
  timeoutSeconds?: number
  memoryMb?: number
}

export interface RouteTable {
  functions: Readonly<Record<string, FunctionEntry>>
  httpRoutes: readonly { method: string; path: string; function: string }[]
  webSocket: {
    routeSelectionExpression: string
    authorizer?: { function: string; identitySource: string }
    routes: readonly { routeKey: string; function: string }[]
  }
  queueConsumers: readonly { queue: string; function: string; batchSize: number; maxReceiveCount: number }[]
  schedules: readonly { name: string; function: string; everyMinutes: number }[]
}

export const realRoutes: RouteTable = {
  functions: routes.functions,
  httpRoutes: routes.httpRoutes,
  webSocket: routes.webSocket,
  queueConsumers: routes.queueConsumers,
  schedules: routes.schedules,
}

/** The account, Region and API ids that local events carry where AWS would put real ones. */
export interface LocalIdentity {
  accountId: string
  region: string
  httpApiId: string
  wsApiId: string
  /** WebSocket APIs have named stages; HTTP APIs use `$default`. */
  wsStage: string
}

export function localIdentity(env: Record<string, string | undefined>): LocalIdentity {
  return {
    accountId: '123456789012',
    region: env.AWS_REGION ?? 'us-east-1',
    httpApiId: 'localhttp0',
    wsApiId: 'localwsapi',
    wsStage: env.STAGE ?? 'local',
  }
}
