// `npm run invoke -- <function> <event.json>`: one handler, once, on a sample event, against the dev runtime's stores.
import { readFile } from 'node:fs/promises'
import { relative, resolve } from 'node:path'
import { localFunctions } from './gateway/lambda.ts'
import { fillPlaceholders, functionForEvent } from './gateway/samples.ts'
import { localIdentity, type RouteTable, realRoutes, repositoryRoot } from './gateway/table.ts'
import { startLocalRuntime } from './runtime.ts'
import { liveRuntime } from './runtime-file.ts'

const log = (line: string) => console.error(line)

// The result alone goes to stdout; handler logs (Powertools writes to stdout) are sent to stderr.
const printResult = process.stdout.write.bind(process.stdout)
process.stdout.write = process.stderr.write.bind(process.stderr)

/** A function named in the route table, or any handler file by its path. */
function target(given: string): { name: string; table: RouteTable } {
  if (given in realRoutes.functions) return { name: given, table: realRoutes }
  const entry = relative(repositoryRoot, resolve(given))
  const named = Object.entries(realRoutes.functions).find(([, spec]) => spec.entry === entry)
  if (named) return { name: named[0], table: realRoutes }
  if (!/\.[cm]?[jt]s$/.test(entry))
    throw new Error(`${given} is neither a function in infra/routes.ts nor a file`)
  return { name: entry, table: { ...realRoutes, functions: { ...realRoutes.functions, [entry]: { entry } } } }
}

function inferred(event: Parameters<typeof functionForEvent>[1], file: string): string {
  const name = functionForEvent(realRoutes, event)
  if (!name)
    throw new Error(
      `no route, queue consumer or schedule in infra/routes.ts takes ${file}: name the function`,
    )
  return name
}

async function main(): Promise<number> {
  const args = process.argv.slice(2)
  // With the event file alone, the function is the one the route table gives that event.
  const [given, eventFile] = args.length === 1 && args[0]?.endsWith('.json') ? ['', args[0]] : args
  if (given === undefined || !eventFile) {
    log('usage: npm run invoke -- [<function | handler file>] <event.json>')
    log(`functions: ${Object.keys(realRoutes.functions).join(', ')}`)
    return 1
  }
  const dataDir = resolve(process.env.DATA_DIR ?? '.data')
  const stops: (() => Promise<void>)[] = []
  try {
    const event = JSON.parse(fillPlaceholders(await readFile(eventFile, 'utf8'), process.env, eventFile))
    const { name, table } = target(given || inferred(event, eventFile))
    const running = await liveRuntime(dataDir)
    if (running) {
      log(`using the dev runtime at ${running.httpUrl} (pid ${running.pid})`)
      Object.assign(process.env, running.env)
    } else {
      log('no dev runtime is running: starting the local stores and gateway for this call')
      // Loaded only here: a call beside a running dev should not pay for the store and migration modules.
      const { startLocalStores } = await import('./stores/index.ts')
      const { migrateLocal } = await import('./migrations.ts')
      const stores = await startLocalStores({
        dataDir,
        cacheDir: resolve(process.env.CACHE_DIR ?? '.cache'),
        env: process.env,
        log,
      })
      stops.push(() => stores.stop())
      // Only @connections is needed from the gateway; no poller or schedule runs beside the one call.
      const runtime = await startLocalRuntime({
        routes: { ...realRoutes, queueConsumers: [], schedules: [] },
        env: stores.env,
        httpPort: 0,
        wsPort: 0,
        log,
      })
      stops.unshift(() => runtime.stop())
      await migrateLocal({ ...process.env, ...stores.env }, log)
    }
    const started = performance.now()
    const result = await localFunctions(table, repositoryRoot, localIdentity(process.env)).invoke(name, event)
    log(`${name} returned in ${(performance.now() - started).toFixed(1)} ms`)
    printResult(`${JSON.stringify(result, null, 2)}\n`)
    return 0
  } catch (error) {
    log(error instanceof Error ? (error.stack ?? error.message) : String(error))
    return 1
  } finally {
    for (const stop of stops) await stop().catch((error: Error) => log(`stopping: ${error.message}`))
  }
}

// Store clients the handler opened keep sockets alive; the call is over, so the process ends here.
main().then((code) => process.exit(code))
