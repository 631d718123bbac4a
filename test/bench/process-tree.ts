// CPU time of a process and all its descendants, read from /proc, so every store process counts whatever starts it.
import { readdirSync, readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

export interface ProcessCpu {
  pid: number
  /** What runs there: `node dev.ts`, `node host.mjs pglite`, `redis-server`. */
  name: string
  cpuMs: number
}

/** Clock ticks per second of utime and stime in /proc/<pid>/stat: 100 on every Linux this runs on. */
const ticksPerSecond = 100

const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined // the process ended between listing and reading
  }
}

/** The fields of /proc/<pid>/stat after the command, which is in parentheses and may hold spaces. */
function statFields(pid: number): string[] | undefined {
  const stat = read(`/proc/${pid}/stat`)
  return stat?.slice(stat.lastIndexOf(')') + 2).split(' ')
}

/** Every live process under `root`, `root` included, found by parent pid. */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>()
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry)
    if (!Number.isInteger(pid)) continue
    const parent = Number(statFields(pid)?.[1])
    if (Number.isInteger(parent)) children.set(parent, [...(children.get(parent) ?? []), pid])
  }
  const found: number[] = []
  for (const queue = [root]; queue.length > 0; ) {
    const pid = queue.shift() as number
    found.push(pid)
    queue.push(...(children.get(pid) ?? []))
  }
  return found
}

/**
 * The executable (redis-server, ferretdb-...), or for node the script and its plain arguments: `node dev.ts`,
 * `node host.mjs pglite`. Not /proc/<pid>/comm, which cuts names at 15 characters.
 */
function nameOf(pid: number): string {
  const args = (read(`/proc/${pid}/cmdline`) ?? '').split('\0').filter(Boolean)
  // redis-server rewrites its command line into one string: "/usr/bin/redis-server 127.0.0.1:6379".
  const executable = basename(args[0]?.split(' ')[0] ?? read(`/proc/${pid}/comm`)?.trim() ?? String(pid))
  if (executable !== 'node') return executable
  const script = args.findLastIndex((arg, i) => i > 0 && !arg.startsWith('-') && /\.[cm]?[jt]s$/.test(arg))
  if (script < 0) return executable
  const plain = args.slice(script + 1).filter((arg) => !arg.startsWith('-'))
  return ['node', basename(args[script] as string), ...plain].join(' ')
}

/**
 * Nanoseconds on CPU summed over the threads alive now (exact, from schedstat); utime + stime (10 ms steps, but
 * counting threads that already ended) where schedstat is missing.
 */
function cpuMsOf(pid: number): number | undefined {
  let tasks: string[] = []
  try {
    tasks = readdirSync(`/proc/${pid}/task`)
  } catch {
    return undefined
  }
  let nanoseconds = 0
  for (const task of tasks) {
    const schedstat = read(`/proc/${pid}/task/${task}/schedstat`)
    if (schedstat === undefined) return ticksOf(pid)
    nanoseconds += Number(schedstat.split(' ')[0])
  }
  return nanoseconds / 1e6
}

function ticksOf(pid: number): number | undefined {
  const fields = statFields(pid)
  if (!fields) return undefined
  // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the command.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond
}

export function cpuOfTree(root: number): ProcessCpu[] {
  return descendants(root).flatMap((pid) => {
    const cpuMs = cpuMsOf(pid)
    return cpuMs === undefined ? [] : [{ pid, name: nameOf(pid), cpuMs }]
  })
}

/** CPU spent by each process of the tree between two readings; a process that started in between counts whole. */
export function cpuSpent(before: ProcessCpu[], after: ProcessCpu[]): ProcessCpu[] {
  const start = new Map(before.map((entry) => [entry.pid, entry.cpuMs]))
  return after.map((entry) => ({ ...entry, cpuMs: entry.cpuMs - (start.get(entry.pid) ?? 0) }))
}

export const totalCpuMs = (processes: readonly ProcessCpu[]) =>
  processes.reduce((sum, entry) => sum + entry.cpuMs, 0)

/**
 * Waits until the tree has been nearly idle (under 5% of a core) for a short window, or `maxMs` passed, so work left
 * over from setup (presence frames, disconnects) is not measured as the next scenario's.
 */
export async function quiesce(root: number, maxMs = 10_000): Promise<void> {
  const windowMs = 250
  const deadline = performance.now() + maxMs
  while (performance.now() < deadline) {
    const before = totalCpuMs(cpuOfTree(root))
    await sleep(windowMs)
    if (totalCpuMs(cpuOfTree(root)) - before < windowMs * 0.05) return
  }
}
