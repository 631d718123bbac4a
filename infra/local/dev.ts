// `npm run dev`: the local stores, migrations, then the local API Gateway runtime, until Ctrl-C.
import { resolve } from 'node:path'
import { buildWebClient } from '../../client/web/build.ts'
import { type RouteTable, realRoutes } from './gateway/table.ts'
import { logNewMail } from './mail-log.ts'
import { migrateLocal } from './migrations.ts'
import { startLocalRuntime } from './runtime.ts'
import { removeRuntimeRecord, writeRuntimeRecord } from './runtime-file.ts'
import { devSite } from './site.ts'
import { startLocalStores } from './stores/index.ts'

const log = (line: string) => console.log(line)

function portFrom(name: string, fallback: number): number {
  const port = Number(process.env[name] ?? fallback)
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`${name} must be a port number`)
  return port
}

function routeList(table: RouteTable): string[] {
  const row = (kind: string, what: string, target: string) =>
    `  ${kind.padEnd(7)}${what.padEnd(32)}-> ${target}`
  return [
    ...table.httpRoutes.map((route) => row(route.method, route.path, route.function)),
    ...(table.webSocket.authorizer
      ? [row('WS', '$connect authorizer', table.webSocket.authorizer.function)]
      : []),
    ...table.webSocket.routes.map((route) => row('WS', route.routeKey, route.function)),
    ...table.queueConsumers.map((consumer) =>
      row('SQS', `${consumer.queue} (batch ${consumer.batchSize})`, consumer.function),
    ),
    ...table.schedules.map((schedule) =>
      row('CRON', `${schedule.name} every ${schedule.everyMinutes} min`, schedule.function),
    ),
  ]
}

const started = performance.now()
const dataDir = resolve(process.env.DATA_DIR ?? '.data')
const parts: { stop(): Promise<void> }[] = []
let step: Promise<unknown> = Promise.resolve()
let stopping = false

async function shutdown(code: number): Promise<never> {
  stopping = true
  // A store half-started when Ctrl-C came is stopped too: wait for the step in progress to settle first.
  await step.catch(() => undefined)
  await removeRuntimeRecord(dataDir)
  for (const part of parts.reverse())
    await part.stop().catch((error: Error) => log(`stopping: ${error.message}`))
  process.exit(code)
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) {
      console.error('Stopping forcibly.')
      process.exit(1)
    }
    log(`\n${signal}: stopping (again to force)`)
    void shutdown(0)
  })
}

async function main() {
  const httpPort = portFrom('HTTP_PORT', 3000)
  const wsPort = portFrom('WS_PORT', 3001)
  // The delivery metrics' EMF lines are CloudWatch's to read: two JSON lines a message in the terminal otherwise.
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true'
  // The web client served at /app/ is a page of the HTTP API's origin: its socket (another port) is cross-origin.
  process.env.ALLOWED_ORIGINS ??= `http://127.0.0.1:${httpPort},http://localhost:${httpPort}`
  // Mailed links (/verify-email#token=..., /reset-password#token=...) open the web client this origin serves.
  if (httpPort !== 0) process.env.APP_URL ??= `http://127.0.0.1:${httpPort}`
  const storesStarting = startLocalStores({
    dataDir,
    cacheDir: resolve(process.env.CACHE_DIR ?? '.cache'),
    env: process.env,
    log,
  })
  step = storesStarting
  const stores = await storesStarting
  parts.push(stores)
  if (stopping) return
  step = migrateLocal({ ...process.env, ...stores.env }, log)
  await step
  if (stopping) return
  const reapInterval = process.env.REAP_INTERVAL_SECONDS
  const runtimeStarting = startLocalRuntime({
    env: stores.env,
    httpPort,
    wsPort,
    log,
    scheduleIntervalSeconds: reapInterval ? { reapIdle: Number(reapInterval) } : {},
    site: devSite(),
  })
  step = runtimeStarting
  const runtime = await runtimeStarting
  parts.push(runtime)
  if (stopping) return
  process.env.APP_URL ??= runtime.httpUrl
  // The web client talks to this runtime: its URLs are its configuration (config.json beside the page).
  await buildWebClient({ apiUrl: runtime.httpUrl, wsUrl: runtime.wsUrl })
  await writeRuntimeRecord(dataDir, {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    httpUrl: runtime.httpUrl,
    wsUrl: runtime.wsUrl,
    managementEndpoint: runtime.managementEndpoint,
    lambdaEndpoint: runtime.lambdaEndpoint,
    env: { ...stores.env, WS_MANAGEMENT_ENDPOINT: runtime.managementEndpoint },
  })
  log(`\nChat-Service local runtime, ready in ${((performance.now() - started) / 1000).toFixed(1)} s`)
  log('Stores:')
  for (const store of stores.stores)
    log(
      `  ${store.name.padEnd(14)}${store.endpoint.padEnd(48)}${store.source === 'started' ? 'started' : 'from env'}`,
    )
  log('Endpoints:')
  log(`  HTTP API       ${runtime.httpUrl}`)
  log(`  WebSocket API  ${runtime.wsUrl}`)
  log(`  @connections   ${runtime.managementEndpoint}/@connections/{connectionId}`)
  log(`  Lambda API     ${runtime.lambdaEndpoint} (create-admin --stage local)`)
  log(`  Web client     ${runtime.httpUrl}/app/`)
  log(`  API reference  ${runtime.httpUrl}/reference (${runtime.httpUrl}/openapi.json, /asyncapi.json)`)
  log('Routes:')
  for (const line of routeList(realRoutes)) log(line)
  const mailDir = stores.env.MAIL_DIR
  if (mailDir) {
    parts.push(logNewMail(mailDir, log))
    log(`Mail: written as .eml files in ${mailDir}; each new one is listed here with its links.`)
  }
  log(`Data in ${dataDir}. Ctrl-C stops.`)
}

main().catch(async (error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error)
  await shutdown(1)
})
