// A scenario measured on the bare server, then on the service, and turned into rows side by side.
import { type LedgerSummary, refusedCount } from './ledger.ts'
import { cpuOfTree, cpuSpent, type ProcessCpu, quiesce, totalCpuMs } from './process-tree.ts'
import type { Row, Section } from './report.ts'
import { percentile } from './stats.ts'
import type { Target } from './target.ts'

export interface Targets {
  bare: Target
  service: Target
}

export interface ScenarioResult extends Section {
  measured: { bare: unknown; service: unknown }
}

export interface Scenario {
  /** What `npm run bench -- <name>` selects it by. */
  name: string
  /** Users it needs on each server. */
  users: number
  run(targets: Targets): Promise<ScenarioResult>
}

interface Spec<M> {
  name: string
  title: string
  users: number
  measure(target: Target): Promise<M>
  rows(bare: M, service: M): Row[]
  notes?(bare: M, service: M): string[]
}

/**
 * The bare server first, then the service, each once it is idle: work left from the scenario before (disconnects,
 * presence) would be charged to this one, and PGlite mixes up statements of two connections that overlap.
 */
export function sideBySide<M>(spec: Spec<M>): Scenario {
  const measure = async (target: Target) => {
    await quiesce(target.pid)
    return spec.measure(target)
  }
  return {
    name: spec.name,
    users: spec.users,
    async run({ bare, service }) {
      const measured = { bare: await measure(bare), service: await measure(service) }
      return {
        name: spec.name,
        title: spec.title,
        rows: spec.rows(measured.bare, measured.service),
        notes: spec.notes?.(measured.bare, measured.service) ?? [],
        measured,
      }
    },
  }
}

/** A ledger summary as numbers worth keeping: counts, and percentiles rather than every sample. */
export interface Outcome {
  sent: number
  acked: number
  refused: number
  refusedByCode: Record<string, number>
  lost: number
  duplicated: number
  delivered: number
  elapsedMs: number
  ackP50Ms: number
  deliveryP50Ms: number
  deliveryP99Ms: number
  lastMemberP50Ms: number
  lastMemberMaxMs: number
}

export function outcomeOf(summary: LedgerSummary): Outcome {
  return {
    sent: summary.sent,
    acked: summary.acked,
    refused: refusedCount(summary),
    refusedByCode: summary.refused,
    lost: summary.lost,
    duplicated: summary.duplicated,
    delivered: summary.delivered,
    elapsedMs: summary.elapsedMs,
    ackP50Ms: percentile(summary.ackMs, 50),
    deliveryP50Ms: percentile(summary.deliveryMs, 50),
    deliveryP99Ms: percentile(summary.deliveryMs, 99),
    lastMemberP50Ms: percentile(summary.lastMemberMs, 50),
    lastMemberMaxMs: percentile(summary.lastMemberMs, 100),
  }
}

/** How many sends were refused, with the codes of their error frames: `3 (2 unavailable, 1 rate_limited)`. */
export function refusals(outcome: Outcome): string {
  const codes = Object.entries(outcome.refusedByCode).map(([code, count]) => `${count} ${code}`)
  return codes.length > 0 ? `${outcome.refused} (${codes.join(', ')})` : String(outcome.refused)
}

/** `lost / duplicated / refused`. */
export const integrity = (outcome: Outcome) =>
  `${outcome.lost} / ${outcome.duplicated} / ${refusals(outcome)}`

export interface CpuUse {
  /** Milliseconds of CPU per message, by process of the server's tree. */
  perMessageByProcess: { name: string; pid: number; ms: number }[]
  perMessageMs: number
}

/** Runs `work` on a quiet server and charges the CPU its whole process tree spent to `messages` messages. */
export async function withCpu<T>(
  target: Target,
  messages: () => number,
  work: () => Promise<T>,
): Promise<T & { cpu: CpuUse }> {
  await quiesce(target.pid)
  const before = cpuOfTree(target.pid)
  const result = await work()
  const spent = cpuSpent(before, cpuOfTree(target.pid))
  const count = Math.max(1, messages())
  const byProcess = (entries: ProcessCpu[]) =>
    entries
      .filter((entry) => entry.cpuMs > 0)
      .sort((a, b) => b.cpuMs - a.cpuMs)
      .map((entry) => ({ name: entry.name, pid: entry.pid, ms: entry.cpuMs / count }))
  const perMessageByProcess = byProcess(spent)
  const names = perMessageByProcess.map((entry) => entry.name)
  for (const entry of perMessageByProcess)
    if (names.indexOf(entry.name) !== names.lastIndexOf(entry.name)) entry.name += ` (pid ${entry.pid})`
  return {
    ...result,
    cpu: { perMessageByProcess: byProcess(spent), perMessageMs: totalCpuMs(spent) / count },
  }
}
