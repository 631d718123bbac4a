// Cold start: each function bundled as the stack bundles it, its size, and its module-load time in a fresh process.
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { build } from 'esbuild'
import { functions } from '../../infra/routes.ts'
import { median } from './stats.ts'

const run = promisify(execFile)
const root = resolve(import.meta.dirname, '..', '..')
const loadRuns = 5

// The same shape as infra/cloud/chat-function.ts: ESM, minified, the SDK bundled, Argon2 left outside.
async function bundle(entry: string, outfile: string): Promise<number> {
  await build({
    entryPoints: [join(root, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    mainFields: ['module', 'main'],
    minify: true,
    external: ['@node-rs/argon2'],
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
    logLevel: 'silent',
  })
  return (await stat(outfile)).size
}

/** Milliseconds from process start to the handler module being loaded, in a fresh Node process. */
async function loadTime(file: string): Promise<number> {
  const script = `const t = performance.now(); await import(${JSON.stringify(file)}); console.log(performance.now() - t)`
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: root })
  return Number(stdout.trim())
}

export interface ColdStartRow {
  function: string
  bundleKb: number
  loadMsMedian: number
}

export async function coldStart(): Promise<ColdStartRow[]> {
  // Inside the repository, so the bundles resolve Argon2 from its node_modules as Lambda does from the asset's.
  await mkdir(join(root, '.cache'), { recursive: true })
  const dir = await mkdtemp(join(root, '.cache', 'bench-'))
  try {
    const rows: ColdStartRow[] = []
    for (const [name, spec] of Object.entries(functions)) {
      const outfile = join(dir, name, 'index.mjs')
      const bytes = await bundle(spec.entry, outfile)
      const times: number[] = []
      for (let i = 0; i < loadRuns; i++) times.push(await loadTime(outfile))
      rows.push({
        function: name,
        bundleKb: Math.round(bytes / 102.4) / 10,
        loadMsMedian: Math.round(median(times) * 10) / 10,
      })
    }
    return rows
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
