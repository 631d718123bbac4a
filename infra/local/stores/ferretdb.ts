// MongoDB for local runs: MONGO_URL when given, else FerretDB 1.24 on SQLite, built from source once per cache.
import { chmod, cp, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { pathToFileURL } from 'node:url'
import { MongoClient } from 'mongodb'
import { takeLock } from './lock.ts'
import { findOnPath, onFreePort, run, spawnChild, waitUntilReady } from './processes.ts'
import { fromEnvironment, type RunningStore, type StoreContext } from './store.ts'

const modulePath = 'github.com/FerretDB/FerretDB'
const version = 'v1.24.2'
/**
 * The release queries `_id` as `_ferretdb_sjson->'$._id'` but builds the `_id_` index on `_ferretdb_sjson->"_id"`,
 * and SQLite uses an expression index only for the expression as written: every lookup by `_id` scans the
 * collection. The build queries with the index's own expression. The binary's name carries the patch, so a cache
 * holding an unpatched build makes a new one instead of reusing it.
 */
const idColumnPatch = {
  file: 'internal/backends/sqlite/metadata/metadata.go',
  from: `IDColumn = DefaultColumn + "->'$._id'"`,
  to: 'IDColumn = DefaultColumn + `->"_id"`',
}
const binaryName = `ferretdb-${version}-id-index`

interface BuildOptions {
  env?: NodeJS.ProcessEnv
  log?: (line: string) => void
}

async function runsAsVersion(binary: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  try {
    return (await run(binary, ['--version'], { env })).includes(version)
  } catch {
    return false
  }
}

/** Builds the FerretDB binary into `<cacheDir>/ferretdb/bin` unless a working one is there; returns its path. */
export async function ensureFerretDb(cacheDir: string, options: BuildOptions = {}): Promise<string> {
  const { env = process.env, log = () => {} } = options
  const home = join(resolve(cacheDir), 'ferretdb')
  const binary = join(home, 'bin', binaryName)
  if (await runsAsVersion(binary, env)) return binary
  const go = await findOnPath('go', env)
  if (!go) {
    throw new Error(
      `FerretDB (the local MongoDB) is not built in ${home} and \`go\` is not on PATH. ` +
        'Install Go 1.24 or newer (https://go.dev/dl/) so it can be built once, ' +
        'or set MONGO_URL to a MongoDB you run (for example mongodb://127.0.0.1:27017/).',
    )
  }
  await mkdir(join(home, 'bin'), { recursive: true })
  for (let waited = false; ; waited = true) {
    const lock = await takeLock(join(home, 'build.lock'))
    if ('release' in lock) {
      try {
        if (!(await runsAsVersion(binary, env))) await build(go, home, binary, { env, log })
        return binary
      } finally {
        await lock.release()
      }
    }
    if (!waited) log(`mongodb: waiting for process ${lock.heldBy}, which is building FerretDB`)
    await sleep(1_000)
  }
}

async function build(go: string, home: string, binary: string, { env, log }: Required<BuildOptions>) {
  const started = Date.now()
  log(`mongodb: building FerretDB ${version} with ${go} (once per cache; about a minute)`)
  const download = await run(go, ['mod', 'download', '-json', `${modulePath}@${version}`], { env, cwd: home })
  const { Dir: moduleDir } = JSON.parse(download) as { Dir: string }
  // `go install ...@v1.24.2` makes a binary that panics at start: the module zip lacks
  // build/version/version.txt, which FerretDB's own build generates. So build a copy that has it.
  const source = join(home, 'src')
  await rm(source, { recursive: true, force: true })
  await cp(moduleDir, source, { recursive: true })
  // The module cache is read-only; the copy's directories must be writable to add the file and remove the copy.
  const entries = await readdir(source, { recursive: true, withFileTypes: true })
  const dirs = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(entry.parentPath, entry.name))
  await Promise.all([source, ...dirs].map((dir) => chmod(dir, 0o755)))
  await writeFile(join(source, 'build', 'version', 'version.txt'), `${version}\n`)
  const patched = join(source, idColumnPatch.file)
  const code = await readFile(patched, 'utf8')
  if (!code.includes(idColumnPatch.from))
    throw new Error(`FerretDB ${version}: ${idColumnPatch.file} is not as expected`)
  await writeFile(patched, code.replace(idColumnPatch.from, idColumnPatch.to))
  const partial = `${binary}.${process.pid}.partial`
  await run(go, ['build', '-buildvcs=false', '-o', partial, './cmd/ferretdb'], { env, cwd: source })
  await rename(partial, binary)
  await rm(source, { recursive: true, force: true })
  log(`mongodb: built FerretDB in ${Date.now() - started} ms`)
}

async function answersPing(url: string): Promise<boolean> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 500, connectTimeoutMS: 500 })
  try {
    const reply = await client.db('admin').command({ ping: 1 })
    return reply.ok === 1
  } finally {
    await client.close()
  }
}

export async function startFerretDb({ env, dataDir, cacheDir, log }: StoreContext): Promise<RunningStore> {
  if (env.MONGO_URL) return fromEnvironment('mongodb', env.MONGO_URL, { MONGO_URL: env.MONGO_URL })

  const binary = await ensureFerretDb(cacheDir, { env, log })
  const data = join(dataDir, 'ferretdb')
  const state = join(dataDir, 'ferretdb-state')
  await Promise.all([mkdir(data, { recursive: true }), mkdir(state, { recursive: true })])
  const { child, url } = await onFreePort(async (port) => {
    const child = spawnChild(
      binary,
      [
        '--handler=sqlite',
        // WAL with synchronous=normal: a commit no longer waits on fsync (a sixth of FerretDB's CPU a message here);
        // a crash of the process loses nothing, one of the machine at most the last commits, as for local data.
        `--sqlite-url=${pathToFileURL(data).href}/?_pragma=synchronous(normal)`,
        `--listen-addr=127.0.0.1:${port}`,
        `--state-dir=${state}`,
        '--debug-addr=-',
        '--telemetry=disable',
        '--log-level=error',
      ],
      { env },
    )
    const url = `mongodb://127.0.0.1:${port}/`
    await waitUntilReady(child, 'FerretDB', () => answersPing(url))
    return { child, url }
  })
  return {
    stores: [{ name: 'mongodb', endpoint: url, source: 'started' }],
    env: { MONGO_URL: url },
    stop: () => child.stop(),
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const [command, cacheDir = process.env.CACHE_DIR ?? '.cache'] = process.argv.slice(2)
  if (command !== 'build') {
    console.error('usage: tsx infra/local/stores/ferretdb.ts build [cacheDir]')
    process.exit(2)
  }
  console.log(await ensureFerretDb(cacheDir, { log: console.log }))
}
