// `npm run check:iam`: runs the end-to-end suite through the local runtime while recording every AWS call each
// function makes, then checks each call against that function's role in the synthesized stage. Fails on a call
// AWS would deny (or one the deployed configuration cannot name) and on a function the run never invoked;
// lists what each role grants that nothing used.
//   npm run check:iam                      record a run of test/e2e, then check it
//   npm run check:iam -- --recorded <dir>  check what an earlier run recorded (.ci/run records during npm test)
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { App } from 'aws-cdk-lib'
import { BUNDLING_STACKS, PATH_METADATA_ENABLE_CONTEXT } from 'aws-cdk-lib/cx-api'
import { type RouteTable, routeTable } from '../cloud/route-table.ts'
import { chatService, stackNames } from '../cloud/service.ts'
import { stageConfig } from '../cloud/stage-config.ts'
import { evaluateIam, type IamReport } from './evaluate.ts'
import { type Recorded, recordDirVariable } from './record.ts'
import type { CfnTemplate, Stacks } from './template.ts'

/** The templates of `stageName`, synthesized without bundling (the check reads policies, not code). */
export function synthesizeStage(stageName: string, context: Record<string, unknown>): Stacks {
  // Functions are found by construct path (`aws:cdk:path`), as the CLI records it.
  const app = new App({
    context: { ...context, [BUNDLING_STACKS]: [], [PATH_METADATA_ENABLE_CONTEXT]: true },
  })
  // A production stage needs an alarm address to synth; none is contacted here.
  chatService(app, stageConfig(context.stages, stageName, { alarmEmail: 'iam-check@example.com' }))
  const assembly = app.synth()
  const names = stackNames(stageName)
  return {
    templates: Object.fromEntries(
      [names.stateful, names.stateless].map((name) => [
        name,
        assembly.getStackByName(name).template as CfnTemplate,
      ]),
    ),
  }
}

/** What the route table says invokes each function, named as the recorder names triggers. */
export function triggersOf(table: RouteTable): Map<string, string[]> {
  const triggers = new Map<string, string[]>()
  const add = (fn: string, trigger: string) => triggers.set(fn, [...(triggers.get(fn) ?? []), trigger])
  for (const route of table.httpRoutes) add(route.function, `${route.method} ${route.path}`)
  for (const route of table.webSocket.routes) add(route.function, `ws ${route.routeKey}`)
  if (table.webSocket.authorizer) add(table.webSocket.authorizer.function, 'ws authorizer')
  for (const consumer of table.queueConsumers) add(consumer.function, 'sqs')
  for (const schedule of table.schedules) add(schedule.function, `schedule ${schedule.name}`)
  return triggers
}

/** The entries of the recording files in `dir` (or of one file), for the functions of `table`. */
export function readRecorded(path: string, table: RouteTable): Recorded[] {
  const files = path.endsWith('.jsonl')
    ? [path]
    : readdirSync(path)
        .filter((file) => file.endsWith('.jsonl'))
        .map((file) => join(path, file))
  const entries = files.flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Recorded),
  )
  // Test fixtures run under other names, or under a real name with another entry: only the table's functions count.
  return entries.filter((entry) => table.functions[entry.function]?.entry === entry.entry)
}

export async function checkIam(options: {
  recorded: Recorded[]
  stacks: Stacks
  stageName: string
  table?: RouteTable
}): Promise<IamReport> {
  const table = options.table ?? routeTable
  return evaluateIam({
    stacks: options.stacks,
    statelessStack: stackNames(options.stageName).stateless,
    functions: Object.keys(table.functions),
    triggers: triggersOf(table),
    recorded: options.recorded,
  })
}

export function failed(report: IamReport): boolean {
  return (
    report.verdicts.some((verdict) => !verdict.allowed) ||
    report.problems.length > 0 ||
    report.notInvoked.length > 0
  )
}

export function formatReport(report: IamReport): string {
  const lines: string[] = []
  for (const name of report.functions) {
    const verdicts = report.verdicts.filter((verdict) => verdict.function === name)
    lines.push(
      `\n${name}: ${verdicts.length} call(s) checked${report.notInvoked.includes(name) ? ' (NEVER INVOKED)' : ''}`,
    )
    for (const verdict of verdicts.sort((a, b) => a.action.localeCompare(b.action))) {
      lines.push(
        `  ${verdict.allowed ? 'allowed' : 'DENIED '} ${verdict.action} ${verdict.resource}  [${verdict.source}]`,
      )
    }
    const managed = report.managedPolicies[name] ?? []
    if (managed.length > 0)
      lines.push(`  (AWS managed, not evaluated: ${managed.map((arn) => arn.split('/').pop()).join(', ')})`)
  }
  const denied = report.verdicts.filter((verdict) => !verdict.allowed)
  lines.push(`\nDenied: ${denied.length}`)
  for (const verdict of denied)
    lines.push(`  ${verdict.function}: ${verdict.action} on ${verdict.resource} (${verdict.result})`)
  lines.push(`Calls the deployed configuration cannot make: ${report.problems.length}`)
  for (const problem of report.problems)
    lines.push(`  ${problem.function}: ${problem.source} ${problem.problem}`)
  lines.push(
    `Functions never invoked by the run: ${report.notInvoked.length}${report.notInvoked.length ? ` (${report.notInvoked.join(', ')})` : ''}`,
  )
  lines.push(
    `Routes, frames, queues and schedules the run did not exercise (reported): ${report.uncovered.length}`,
  )
  for (const trigger of report.uncovered) lines.push(`  ${trigger}`)
  lines.push(`Granted but not used by any recorded call (reported): ${report.unused.length}`)
  for (const grant of report.unused) lines.push(`  ${grant.function}: ${grant.action} on ${grant.resource}`)
  return lines.join('\n')
}

function recordRun(dir: string): number {
  console.error(`check:iam: running the end-to-end suite, recording AWS calls into ${dir}`)
  const run = spawnSync('npx', ['vitest', 'run', '--project', 'service', 'test/e2e'], {
    stdio: 'inherit',
    env: { ...process.env, [recordDirVariable]: dir },
  })
  return run.status ?? 1
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { recorded: { type: 'string' }, stage: { type: 'string', default: 'dev' } },
  })
  const dir = values.recorded ?? mkdtempSync(join(tmpdir(), 'check-iam-'))
  try {
    if (!values.recorded && recordRun(dir) !== 0) {
      console.error('check:iam: the end-to-end suite failed; its calls are not a run to judge IAM by')
      return 1
    }
    const cdkJson = JSON.parse(readFileSync('cdk.json', 'utf8')) as { context: Record<string, unknown> }
    const stageName = values.stage ?? 'dev'
    const report = await checkIam({
      recorded: readRecorded(dir, routeTable),
      stacks: synthesizeStage(stageName, cdkJson.context),
      stageName,
    })
    console.log(formatReport(report))
    return failed(report) ? 1 : 0
  } finally {
    if (!values.recorded) rmSync(dir, { recursive: true, force: true })
  }
}

if (import.meta.url === `file://${process.argv[1]}`) main().then((code) => process.exit(code))
