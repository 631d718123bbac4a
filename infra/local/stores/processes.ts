// Child processes of the local stores: found on PATH, stopped on request, and never left behind by this process.
import { type ChildProcess, type Serializable, spawn } from 'node:child_process'
import { constants } from 'node:fs'
import { access } from 'node:fs/promises'
import { delimiter, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { freePort } from './listen.ts'

export interface Child {
  readonly pid: number | undefined
  /** Settles when the process is gone; `code` is null when a signal (or a failed spawn) ended it. */
  readonly exited: Promise<{ code: number | null; reason: string }>
  /** The last few kilobytes it wrote to stdout and stderr, for error messages. */
  output(): string
  /** SIGTERM, then SIGKILL if it is still running after `graceMs`. */
  stop(graceMs?: number): Promise<void>
  /** Talks to a Node child spawned with `ipc`. */
  send(message: Serializable): void
  onMessage(listener: (message: unknown) => void): void
}

const alive = new Set<ChildProcess>()
let guarded = false

function killAlive(): void {
  for (const child of alive) child.kill('SIGKILL')
}

/** 'exit' runs on process.exit and a drained event loop; a signal needs its own listener, which re-raises the
 * signal when it is the only one so the default (terminating) still happens. */
function guardParentExit(): void {
  if (guarded) return
  guarded = true
  process.on('exit', killAlive)
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      killAlive()
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, onSignal)
        process.kill(process.pid, signal)
      }
    }
    process.on(signal, onSignal)
  }
}

interface SpawnOptions {
  env: NodeJS.ProcessEnv
  cwd?: string
  onStdout?: (chunk: Buffer) => void
  /** A Node child with a message channel, which ends itself, cleanly, when the channel closes (host.ts). */
  ipc?: boolean
}

export function spawnChild(command: string, args: string[], options: SpawnOptions): Child {
  guardParentExit()
  const child = spawn(command, args, {
    env: options.env,
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe', ...(options.ipc ? ['ipc' as const] : [])],
  })
  // Killing a child that ends with its channel would cut short the close it does then (PGlite's last writes).
  if (!options.ipc) alive.add(child)
  let tail = ''
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4000)
  }
  child.stdout?.on('data', keep)
  if (options.onStdout) child.stdout?.on('data', options.onStdout)
  child.stderr?.on('data', keep)
  let running = true
  const exited = new Promise<{ code: number | null; reason: string }>((resolve) => {
    child.once('exit', (code, signal) => {
      running = false
      alive.delete(child)
      resolve({ code, reason: signal ? `signal ${signal}` : `exit code ${code}` })
    })
    child.once('error', (error) => {
      running = false
      alive.delete(child)
      resolve({ code: null, reason: error.message })
    })
  })
  return {
    pid: child.pid,
    exited,
    output: () => tail.trim(),
    async stop(graceMs = 3_000) {
      if (!running) return
      child.kill('SIGTERM')
      // Unreferenced: a process whose last child stopped in time need not wait out the grace period to end.
      const timer = sleep(graceMs, 'timeout' as const, { ref: false })
      if ((await Promise.race([exited, timer])) === 'timeout') child.kill('SIGKILL')
      await exited
    },
    send(message) {
      child.send(message)
    },
    onMessage(listener) {
      child.on('message', listener)
    },
  }
}

/** Runs a command to completion; resolves with its stdout, rejects with its output when it fails. */
export async function run(command: string, args: string[], options: SpawnOptions): Promise<string> {
  const stdout: Buffer[] = []
  const child = spawnChild(command, args, { ...options, onStdout: (chunk) => stdout.push(chunk) })
  const { code, reason } = await child.exited
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} failed (${reason}):\n${child.output()}`)
  return Buffer.concat(stdout).toString()
}

/** Starts a child on a port the OS just reported free, trying another if something took it in between. */
export async function onFreePort<T>(start: (port: number) => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await freePort())
    } catch (error) {
      if (attempt >= attempts || !/address already in use/i.test(String(error))) throw error
    }
  }
}

/** Polls `ready` until it answers true; fails early, with the child's output, if the child exits first. */
export async function waitUntilReady(
  child: Child,
  what: string,
  ready: () => Promise<boolean>,
  timeoutMs = 20_000,
) {
  const deadline = Date.now() + timeoutMs
  let gone: string | undefined
  void child.exited.then(({ reason }) => {
    gone = reason
  })
  while (Date.now() < deadline) {
    if (gone) throw new Error(`${what} exited (${gone}) before it was ready:\n${child.output()}`)
    if (await ready().catch(() => false)) return
    await sleep(100)
  }
  await child.stop()
  throw new Error(`${what} was not ready after ${timeoutMs} ms:\n${child.output()}`)
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

export async function findOnPath(name: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    if (await isExecutable(join(dir, name))) return join(dir, name)
  }
  return undefined
}
