// A bench server in a Node process of its own, asked things over the IPC channel and stopped when the bench ends.
import { type ChildProcess, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { resolve } from 'node:path'

export const repositoryRoot = resolve(import.meta.dirname, '..', '..')

/** What a bench child answers a request with: `{ benchReply: id, result }` or `{ benchReply: id, error }`. */
export interface BenchReply {
  benchReply: string
  result?: unknown
  error?: string
}

export interface BenchChild {
  readonly pid: number
  /** Sends `{ ...message, benchRequest: id }` and resolves with the child's result for that id. */
  request<T>(message: Record<string, unknown>): Promise<T>
  /** Resolves on the first message for which `match` answers true. */
  next<T>(match: (message: unknown) => message is T): Promise<T>
  /** The last few kilobytes of its stdout and stderr, for error messages. */
  output(): string
  readonly exited: Promise<string>
  stop(): Promise<void>
}

const running = new Set<ChildProcess>()
const cleanups = new Set<() => Promise<void>>()
let guarded = false

/**
 * Runs `cleanup` if the bench is interrupted (Ctrl-C, SIGTERM) before it is unregistered: a server's stop, which
 * removes its data folder too. Returns the unregistering function.
 */
export function onInterrupt(cleanup: () => Promise<void>): () => void {
  guardExit()
  cleanups.add(cleanup)
  return () => cleanups.delete(cleanup)
}

/**
 * On a signal, the registered cleanups first (a few seconds at most); whatever still runs at exit gets SIGTERM, never
 * SIGKILL: the service stops its own store processes on SIGTERM, which SIGKILL would orphan.
 */
function guardExit() {
  if (guarded) return
  guarded = true
  process.on('exit', () => {
    for (const child of running) child.kill('SIGTERM')
  })
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, async () => {
      const cleaning = Promise.allSettled([...cleanups].map((cleanup) => cleanup()))
      await Promise.race([cleaning, new Promise((done) => setTimeout(done, 15_000))])
      process.exit(130)
    })
  }
}

export function startBenchChild(
  script: string,
  options: { env: NodeJS.ProcessEnv; imports?: string[]; args?: string[] },
): BenchChild {
  guardExit()
  const imports = ['tsx', ...(options.imports ?? [])].flatMap((module) => ['--import', module])
  const child = spawn(
    process.execPath,
    [
      // Flags for the measured processes, such as --cpu-prof --cpu-prof-dir=/tmp/profiles to see where time goes.
      ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      ...imports,
      script,
      ...(options.args ?? []),
    ],
    {
      cwd: repositoryRoot,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    },
  )
  running.add(child)
  let tail = ''
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-6000)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const exited = new Promise<string>((done) => {
    child.once('exit', (code, signal) => {
      running.delete(child)
      done(signal ? `signal ${signal}` : `exit code ${code}`)
    })
  })
  const gone = exited.then((reason) => {
    throw new Error(`${script} ended (${reason}):\n${tail.trim()}`)
  })
  gone.catch(() => {}) // rejects only those still waiting on the child

  const next = <T>(match: (message: unknown) => message is T) =>
    Promise.race([
      new Promise<T>((done) => {
        const listener = (message: unknown) => {
          if (!match(message)) return
          child.off('message', listener)
          done(message)
        }
        child.on('message', listener)
      }),
      gone,
    ])

  return {
    pid: child.pid as number,
    exited,
    output: () => tail.trim(),
    next,
    async request<T>(message: Record<string, unknown>) {
      const id = randomUUID()
      const reply = next((value): value is BenchReply => (value as BenchReply)?.benchReply === id)
      child.send({ ...message, benchRequest: id })
      const { result, error } = await reply
      if (error !== undefined) throw new Error(`${script}: ${error}`)
      return result as T
    },
    async stop() {
      if (!running.has(child)) return
      child.kill('SIGTERM')
      await exited
    },
  }
}

/**
 * The child side: answers each `{ benchRequest: id, ... }` with what `handle` returns, and ends with its parent.
 * `onParentGone` runs when the IPC channel closes (the bench ended or was killed).
 */
export function answerBenchRequests(
  handle: (message: Record<string, unknown>) => unknown,
  onParentGone: () => void = () => process.exit(0),
): void {
  if (!process.send) return
  process.on('message', async (message: Record<string, unknown>) => {
    const id = message?.benchRequest
    if (typeof id !== 'string') return
    try {
      process.send?.({ benchReply: id, result: await handle(message) })
    } catch (error) {
      process.send?.({ benchReply: id, error: error instanceof Error ? error.message : String(error) })
    }
  })
  process.on('disconnect', onParentGone)
}
