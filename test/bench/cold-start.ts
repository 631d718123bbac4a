// Cold start: each function bundled as the stack bundles it, its size, the store clients it carries, and its
// module-load time in a fresh Node process started as Lambda starts it.
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { build } from 'esbuild'
import { functions, type Store } from '../../infra/routes.ts'
import { formatNumber, table } from './report.ts'
import { median } from './stats.ts'

const run = promisify(execFile)
const root = resolve(import.meta.dirname, '..', '..')
const loadRuns = 5
const importGoalMs = 150

/** The packages that are each store's client: a bundle holding one can talk to that store. */
const clientPackages: Record<Store, readonly string[]> = {
  postgres: ['postgres'],
  mongo: ['mongodb'],
  redis: ['@upstash/redis'],
  connections: ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb'],
  uploads: ['@aws-sdk/client-s3'],
  notifications: ['@aws-sdk/client-sqs'],
  wsManagement: ['@aws-sdk/client-apigatewaymanagementapi'],
  // A secret read through the Secrets Manager client every function may use: no package of its own.
  signingKey: [],
  pushKeys: [],
  mail: ['@aws-sdk/client-sesv2'],
  oauthClients: ['openid-client'],
}

/**
 * Every function bundled at once (one esbuild run shares the parsing of their common modules), in the shape of
 * infra/cloud/chat-function.ts: ESM, minified, source map beside it, the SDK bundled, Argon2 left outside.
 * Answers each function's bundle file and the packages in it.
 */
async function bundleAll(dir: string): Promise<Map<string, { file: string; packages: Set<string> }>> {
  const { metafile } = await build({
    entryPoints: Object.entries(functions).map(([name, spec]) => ({
      in: spec.entry,
      out: `${name}/index`,
    })),
    outdir: dir,
    outExtension: { '.js': '.mjs' },
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    mainFields: ['module', 'main'],
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    metafile: true,
    external: ['@node-rs/argon2'],
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
    logLevel: 'silent',
  })
  const nameOf = new Map(
    Object.entries(functions).map(([name, spec]): [string, string] => [spec.entry, name]),
  )
  const bundles = new Map<string, { file: string; packages: Set<string> }>()
  for (const [file, output] of Object.entries(metafile.outputs)) {
    const name = nameOf.get(output.entryPoint ?? '')
    // Inputs tree-shaken away are listed too, with no bytes in the output.
    const kept = Object.entries(output.inputs).filter(([, input]) => input.bytesInOutput > 0)
    if (name) bundles.set(name, { file: join(root, file), packages: packagesIn(kept.map(([path]) => path)) })
  }
  return bundles
}

const packagesIn = (inputs: readonly string[]) =>
  new Set(inputs.flatMap((input) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1] ?? []))

/** The stores whose client packages went into a bundle. */
function storesBundled(packages: Set<string>): Store[] {
  return (Object.keys(clientPackages) as Store[]).filter((store) =>
    clientPackages[store].some((name) => packages.has(name)),
  )
}

/** Milliseconds to import the handler module in a fresh Node process with the stack's NODE_OPTIONS. */
async function loadTime(file: string): Promise<number> {
  const script = `const t = performance.now(); await import(${JSON.stringify(file)}); console.log(performance.now() - t)`
  const { stdout } = await run(
    process.execPath,
    ['--enable-source-maps', '--input-type=module', '-e', script],
    { cwd: root },
  )
  return Number(stdout.trim())
}

export interface ColdStartRow {
  function: string
  bundleKb: number
  loadMsMedian: number
  /** Store clients in the bundle that the route table does not list among the function's `uses` or `probes`. */
  unusedClients: Store[]
}

export async function coldStart(): Promise<ColdStartRow[]> {
  // Inside the repository, so the bundles resolve Argon2 from its node_modules as Lambda does from the asset's.
  await mkdir(join(root, '.cache'), { recursive: true })
  const dir = await mkdtemp(join(root, '.cache', 'bench-'))
  try {
    const rows: ColdStartRow[] = []
    const bundles = await bundleAll(dir)
    for (const [name, spec] of Object.entries(functions)) {
      const bundled = bundles.get(name)
      if (!bundled) throw new Error(`esbuild made no bundle for ${name}`)
      const times: number[] = []
      for (let i = 0; i < loadRuns; i++) times.push(await loadTime(bundled.file))
      // A store the function only probes (health) is one it calls too.
      const uses: readonly Store[] = [...spec.uses, ...('probes' in spec ? spec.probes : [])]
      rows.push({
        function: name,
        bundleKb: Math.round((await stat(bundled.file)).size / 102.4) / 10,
        loadMsMedian: Math.round(median(times) * 10) / 10,
        unusedClients: storesBundled(bundled.packages).filter((store) => !uses.includes(store)),
      })
    }
    return rows
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

export function coldStartTable(rows: readonly ColdStartRow[]): string {
  return table(
    [
      'function',
      'bundle',
      `cold import() median of ${loadRuns}`,
      `< ${importGoalMs} ms`,
      'store clients not in `uses`/`probes`',
    ],
    rows.map((row) => [
      row.function,
      `${formatNumber(row.bundleKb)} KB`,
      `${formatNumber(row.loadMsMedian)} ms`,
      row.loadMsMedian < importGoalMs ? 'yes' : '**no**',
      row.unusedClients.length > 0 ? `**${row.unusedClients.join(', ')}**` : 'none',
    ]),
  )
}
