// `npm run bench [-- <scenario> ...]`: the service and a bare `ws` server side by side, in one process tree and one
// report. Prints a markdown table (stdout) and keeps it with its data under .cache/bench/. Asserts nothing.
import { execFileSync } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { startBare } from './bare-target.ts'
import { repositoryRoot } from './child.ts'
import { type ColdStartRow, coldStart, coldStartTable } from './cold-start.ts'
import { passwordHashTimes } from './password-hash.ts'
import { sectionTable } from './report.ts'
import type { Scenario, ScenarioResult } from './scenario.ts'
import { depth } from './scenarios/depth.ts'
import {
  busyGroup,
  directPairs,
  groupOf10,
  groupOf50,
  groupOf256,
  ping,
  roundTrips,
} from './scenarios/messaging.ts'
import { startService } from './service-target.ts'

const scenarios: Scenario[] = [
  groupOf10,
  groupOf50,
  busyGroup,
  directPairs,
  groupOf256,
  roundTrips,
  ping,
  depth,
]
// Measured in the bench process or fresh ones rather than through a server; selected by name like a scenario.
const coldStartName = 'cold-start'
const passwordHashName = 'password-hash'
const portBase = Number(process.env.BENCH_PORT_BASE ?? 4400)

const progress = (line: string) => process.stderr.write(`${line}\n`)

function selected(names: readonly string[]): { chosen: Scenario[]; local: Set<string> } {
  const localNames = [coldStartName, passwordHashName]
  const known = [...scenarios.map((scenario) => scenario.name), ...localNames]
  const unknown = names.filter((name) => !known.includes(name))
  if (unknown.length > 0) {
    progress(`Unknown scenario ${unknown.join(', ')}. Known: ${known.join(', ')} (none named: all of them).`)
    process.exit(2)
  }
  if (names.length === 0) return { chosen: scenarios, local: new Set(localNames) }
  return {
    chosen: scenarios.filter((scenario) => names.includes(scenario.name)),
    local: new Set(localNames.filter((name) => names.includes(name))),
  }
}

const git = (...args: string[]) => execFileSync('git', args, { cwd: repositoryRoot, encoding: 'utf8' }).trim()

async function sideBySide(chosen: readonly Scenario[]): Promise<ScenarioResult[]> {
  if (chosen.length === 0) return []
  progress('Starting the bare ws server and the service (npm run dev on its local default stores)...')
  const bare = await startBare(portBase + 2)
  try {
    const service = await startService({ http: portBase, ws: portBase + 1 })
    try {
      const users = Math.max(...chosen.map((scenario) => scenario.users))
      progress(`Seeding ${users} users...`)
      await bare.people(users)
      await service.people(users)
      const results: ScenarioResult[] = []
      for (const scenario of chosen) {
        const started = performance.now()
        progress(`${scenario.name}...`)
        try {
          results.push(await scenario.run({ bare, service }))
        } catch (error) {
          const failure = `${scenario.name} failed: ${error instanceof Error ? error.message : String(error)}`
          progress(failure)
          const measured = { bare: null, service: null }
          results.push({ name: scenario.name, title: scenario.name, rows: [], notes: [failure], measured })
        }
        progress(`${scenario.name}: ${Math.round((performance.now() - started) / 1000)} s`)
      }
      return results
    } finally {
      await service.stop()
    }
  } finally {
    await bare.stop()
  }
}

const started = performance.now()
const load = loadavg()[0] as number
const { chosen, local } = selected(process.argv.slice(2))
const results = await sideBySide(chosen)
let coldStartRows: ColdStartRow[] = []
if (local.has(coldStartName)) {
  progress(`${coldStartName}...`)
  coldStartRows = await coldStart()
}
let passwordHash: Awaited<ReturnType<typeof passwordHashTimes>> = []
if (local.has(passwordHashName)) {
  progress(`${passwordHashName}...`)
  passwordHash = await passwordHashTimes()
}
const minutes = (performance.now() - started) / 60_000

const commit = git('rev-parse', '--short', 'HEAD')
const dirty = git('status', '--porcelain').length > 0 ? ' (uncommitted changes)' : ''
const heading =
  `npm run bench on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: commit ${commit}${dirty}, ` +
  `Node ${process.version}, ${cpus().length} CPUs, load average ${load.toFixed(1)} → ${(loadavg()[0] as number).toFixed(1)}, ` +
  `${minutes.toFixed(1)} min`
const notes = results.flatMap((result) => result.notes)
const report = [
  `**${heading}**`,
  ...(results.some((result) => result.rows.length > 0) ? ['', sectionTable(results)] : []),
  ...(notes.length > 0 ? ['', ...notes.map((note) => `- ${note}`)] : []),
  ...(coldStartRows.length > 0
    ? [
        '',
        'Cold start: each function bundled as deployed, imported in a fresh `node`',
        '',
        coldStartTable(coldStartRows),
      ]
    : []),
  ...passwordHash.map(
    ({ runs, minMs, p50Ms, p90Ms, cpu }) =>
      `\nArgon2id hash at the service's parameters (m 19 MiB, t 2, p 1), one at a time in the bench process (${cpu}): ` +
      `min ${minMs} ms, p50 ${p50Ms} ms, p90 ${p90Ms} ms over ${runs} runs.`,
  ),
  '',
  'Ratio: how many times worse Chat-Service does than the bare server (its time ÷ the bare one; for a rate, the bare ' +
    'rate ÷ its own). One at a time: the next message leaves once the last is acked and delivered to every member. ' +
    'Targets are those of the send-path issue; this bench reports them and asserts nothing.',
].join('\n')

console.log(report)
const folder = join(repositoryRoot, '.cache', 'bench')
const stamp = new Date().toISOString().replaceAll(':', '-').slice(0, 19)
await mkdir(folder, { recursive: true })
await writeFile(join(folder, `${stamp}.md`), `${report}\n`)
await writeFile(
  join(folder, `${stamp}.json`),
  `${JSON.stringify({ heading, commit, scenarios: results, coldStart: coldStartRows, passwordHash }, null, 2)}\n`,
)
progress(`Kept in ${join(folder, stamp)}.md and .json`)
process.exit(0)
