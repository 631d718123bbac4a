// The local API Gateway runtime: HTTP API, WebSocket API with @connections, queue pollers and schedules, one process.

import { originsFrom } from '../cors.ts'
import { installAwsCallRecorder } from '../iam-check/record.ts'
import { startHttpGateway } from './gateway/http.ts'
import { localFunctions } from './gateway/lambda.ts'
import { startLambdaApi } from './gateway/lambda-api.ts'
import type { RunningServer } from './gateway/listen.ts'
import { startQueuePollers } from './gateway/queue-poller.ts'
import { redactingLog } from './gateway/redact.ts'
import { startSchedules } from './gateway/schedules.ts'
import { localIdentity, type RouteTable, realRoutes, repositoryRoot } from './gateway/table.ts'
import { managementEndpointAt, startWebSocketGateway } from './gateway/websocket.ts'
import type { Site } from './site.ts'

export interface LocalRuntimeOptions {
  /** The route table to serve; the real one from infra/routes.ts unless a test brings its own. */
  routes?: RouteTable
  env: Record<string, string | undefined>
  httpPort: number
  wsPort: number
  /** The Lambda Invoke API for operators' tools; a free port unless given. */
  lambdaPort?: number
  log?: (line: string) => void
  /** Seconds between runs, by schedule name (REAP_INTERVAL_SECONDS feeds `reapIdle` in dev). */
  scheduleIntervalSeconds?: Record<string, number>
  /** Pages for GETs no route matches: the API documents and the web client under npm run dev. */
  site?: Site
  /** API Gateway's limits, shortened by tests. */
  limits?: { integrationTimeoutMs?: number; idleTimeoutMs?: number; maxDurationMs?: number }
}

export interface LocalRuntime {
  httpUrl: string
  wsUrl: string
  managementEndpoint: string
  /** Where the Lambda API answers (AWS_ENDPOINT_URL_LAMBDA for the SDK). */
  lambdaEndpoint: string
  stop(): Promise<void>
}

export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const table = options.routes ?? realRoutes
  const log = redactingLog(options.log ?? (() => {}))
  const limits = options.limits ?? {}
  // Handlers read process.env when first imported, so it is complete before any of them loads.
  for (const [name, value] of Object.entries(options.env)) if (value !== undefined) process.env[name] = value
  // `npm run check:iam` records the AWS calls of a run: before any handler loads, so none escapes the hook.
  installAwsCallRecorder()
  const ids = localIdentity(process.env)
  const functions = localFunctions(table, repositoryRoot, ids)
  const started: { stop(): Promise<void> }[] = []
  // Pollers and schedules stop first, so nothing they invoke posts to a WebSocket gateway already gone.
  const stopAll = async () => {
    for (const part of started.reverse())
      await part.stop().catch((error: unknown) => log(`stopping: ${error}`))
  }
  const asPart = (server: RunningServer) => ({ stop: () => server.close() })

  try {
    const ws = await startWebSocketGateway({ table, functions, ids, log, port: options.wsPort, ...limits })
    started.push(asPart(ws))
    const managementEndpoint = managementEndpointAt(ws.port)
    process.env.WS_MANAGEMENT_ENDPOINT = managementEndpoint
    // The same ALLOWED_ORIGINS the functions read (the $connect authorizer's Origin check), as in the stack.
    const allowedOrigins = originsFrom(process.env.ALLOWED_ORIGINS)
    const http = await startHttpGateway({
      table,
      functions,
      ids,
      log,
      port: options.httpPort,
      allowedOrigins,
      site: options.site,
      ...limits,
    })
    started.push(asPart(http))
    const lambdaApi = await startLambdaApi({ table, functions, log, port: options.lambdaPort ?? 0 })
    started.push(asPart(lambdaApi))
    started.push(startQueuePollers({ table, functions, log, env: process.env }))
    started.push(
      startSchedules({ table, functions, ids, log, intervalSeconds: options.scheduleIntervalSeconds }),
    )
    let stopping: Promise<void> | undefined
    return {
      httpUrl: `http://127.0.0.1:${http.port}`,
      wsUrl: `ws://127.0.0.1:${ws.port}`,
      managementEndpoint,
      lambdaEndpoint: `http://127.0.0.1:${lambdaApi.port}`,
      stop: () => {
        stopping ??= stopAll()
        return stopping
      },
    }
  } catch (error) {
    await stopAll()
    throw error
  }
}
