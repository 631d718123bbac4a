// Cold start: each function bundled as the stack bundles it, its size, the store clients it carries, and its
// module-load time in a fresh Node process started as Lambda starts it.
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { functions, type Store } from '../../infra/routes.ts'
import { bundleAll, unusedClients } from '../infra/bundles.ts'
import { formatNumber, table } from './report.ts'
import { median } from './stats.ts'

const run = promisify(execFile)
const root = resolve(import.meta.dirname, '..', '..')
const loadRuns = 5
const importGoalMs = 150

/** Milliseconds to import the handler module in a fresh Node process, started as the stack starts it (no NODE_OPTIONS). */
async function loadTime(file: string): Promise<number> {
  const script = `const t = performance.now(); await import(${JSON.stringify(file)}); console.log(performance.now() - t)`
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: root })
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
    const bundles = await bundleAll(dir)
    const measured = Object.entries(functions).map(([name, spec]) => {
      const bundled = bundles.get(name)
      if (!bundled) throw new Error(`esbuild made no bundle for ${name}`)
      return { name, spec, bundled, times: [] as number[] }
    })
    // Round by round over every function rather than five in a row each: a few seconds of a busy machine then
    // cost one sample of several functions, which their medians leave out, not every sample of one function.
    for (let i = 0; i < loadRuns; i++)
      for (const { bundled, times } of measured) times.push(await loadTime(bundled.file))
    const rows: ColdStartRow[] = []
    for (const { name, spec, bundled, times } of measured)
      rows.push({
        function: name,
        bundleKb: Math.round((await stat(bundled.file)).size / 102.4) / 10,
        loadMsMedian: Math.round(median(times) * 10) / 10,
        // A store the function only probes (health) is one it calls too.
        unusedClients: unusedClients(spec, bundled),
      })
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
