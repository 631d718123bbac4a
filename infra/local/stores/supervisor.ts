// Stores that run in Node processes of their own (host.ts): their CPU stays off the handlers' event loop, and one
// that dies is logged and started again, on the same port with the same data, while the runtime keeps serving.
import { setTimeout as sleep } from 'node:timers/promises'
import { compiledHost } from './compiled-host.ts'
import { type Child, spawnChild } from './processes.ts'
import type { ServerName, ServerOptions } from './servers/index.ts'

/** PGlite creating a fresh data directory takes 15-20 s on a busy 2-core machine. */
const startTimeoutMs = 90_000
/** More than the 5 s host.ts gives a server to close. */
const stopGraceMs = 8_000
/** A process that ran this long is restarted at once; one that keeps dying sooner waits longer each time. */
const settledMs = 30_000
const maxBackoffMs = 5_000

export interface Supervision<N extends ServerName> {
  /** The name log lines give it. */
  name: string
  server: N
  options: Omit<ServerOptions<N>, 'port'>
  /** Flags for the store's Node process (V8's among them). */
  nodeArgs?: readonly string[]
  env: NodeJS.ProcessEnv
  log: (line: string) => void
  /** Runs after every start, restarts included, before the store counts as up: remakes what a restart lost. */
  prepare?: (port: number) => Promise<void>
}

export interface SupervisedStore {
  port: number
  stop(): Promise<void>
}

async function launch<N extends ServerName>(spec: Supervision<N>, port: number) {
  const child = spawnChild(process.execPath, [...(spec.nodeArgs ?? []), await compiledHost(), spec.server], {
    env: spec.env,
    ipc: true,
  })
  const ready = new Promise<number>((resolve) =>
    child.onMessage((message) => {
      const bound = (message as { ready?: unknown }).ready
      if (typeof bound === 'number') resolve(bound)
    }),
  )
  const died = child.exited.then(
    ({ reason }) => new Error(`${spec.name} exited (${reason}) before it was ready:\n${child.output()}`),
  )
  const late = sleep(startTimeoutMs, new Error(`${spec.name} was not ready after ${startTimeoutMs} ms`), {
    ref: false,
  })
  try {
    child.send({ ...spec.options, port })
    const outcome = await Promise.race([ready, died, late])
    if (outcome instanceof Error) throw outcome
    await spec.prepare?.(outcome)
    return { child, port: outcome }
  } catch (error) {
    await child.stop(stopGraceMs)
    throw error
  }
}

function lastLines(child: Child, count = 12): string {
  const lines = child.output().split('\n').slice(-count)
  return lines[0] ? `; its last output:\n${lines.map((line) => `    ${line}`).join('\n')}` : ''
}

/** Starts the server in a process of its own and keeps it running until `stop`. */
export async function supervise<N extends ServerName>(spec: Supervision<N>): Promise<SupervisedStore> {
  let { child, port } = await launch(spec, 0)
  const stopping = new AbortController()
  let restarting: Promise<void> | undefined
  let failures = 0

  const restart = async () => {
    while (!stopping.signal.aborted) {
      const backoff = failures <= 1 ? 0 : Math.min(maxBackoffMs, 250 * 2 ** (failures - 2))
      const waited = await sleep(backoff, true, { signal: stopping.signal }).catch(() => false)
      if (!waited) return
      const started = Date.now()
      try {
        ;({ child } = await launch(spec, port))
      } catch (error) {
        failures++
        spec.log(`${spec.name}: restart failed (${(error as Error).message.split('\n')[0]})`)
        continue
      }
      if (stopping.signal.aborted) return
      spec.log(
        `${spec.name}: restarted as process ${child.pid} on port ${port} in ${Date.now() - started} ms`,
      )
      watch(child, started)
      return
    }
  }

  const watch = (watched: Child, started: number) => {
    void watched.exited.then(({ reason }) => {
      if (stopping.signal.aborted) return
      const output = lastLines(watched)
      spec.log(
        `${spec.name}: process ${watched.pid} ended (${reason}); restarting it on port ${port}${output}`,
      )
      failures = Date.now() - started < settledMs ? failures + 1 : 1
      restarting = restart()
    })
  }
  watch(child, Date.now())

  return {
    port,
    async stop() {
      stopping.abort()
      await restarting
      await child.stop(stopGraceMs)
    },
  }
}
