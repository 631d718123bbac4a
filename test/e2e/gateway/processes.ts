// Running the repository's tsx entry points as child processes, the way a developer's terminal does.
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { promisify } from 'node:util'
import { repositoryRoot } from '../../../infra/local/gateway/table.ts'

export function startScript(script: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: repositoryRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

/** Runs a script to its end: exit code, stdout and stderr. */
export async function runScript(script: string, args: string[], env: NodeJS.ProcessEnv) {
  const child = startScript(script, args, env)
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (chunk) => {
    stdout += chunk
  })
  child.stderr?.on('data', (chunk) => {
    stderr += chunk
  })
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve))
  return { code, stdout, stderr }
}

/** Resolves with the first line of the child's stdout that matches. */
export function lineMatching(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = ''
    const onData = (chunk: Buffer) => {
      buffered += chunk
      const line = buffered.split('\n').find((candidate) => pattern.test(candidate))
      if (line === undefined) return
      child.stdout?.off('data', onData)
      resolve(line)
    }
    let errors = ''
    child.stderr?.on('data', (chunk: Buffer) => {
      errors = (errors + chunk).slice(-4000)
    })
    child.stdout?.on('data', onData)
    child.once('exit', (code) =>
      reject(new Error(`exited with ${code} before printing ${pattern}:\n${buffered}\n${errors}`)),
    )
  })
}

const run = promisify(execFile)

export async function childrenOf(pid: number): Promise<number[]> {
  const { stdout } = await run('pgrep', ['-P', String(pid)]).catch(() => ({ stdout: '' }))
  return stdout.split('\n').filter(Boolean).map(Number)
}

/** Those of the processes still running; a zombie (exited, not yet reaped by init) is not running. */
export async function running(pids: number[]): Promise<number[]> {
  if (pids.length === 0) return []
  const { stdout } = await run('ps', ['-o', 'pid=,stat=', '-p', pids.join(',')]).catch(() => ({ stdout: '' }))
  return stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([pid, stat]) => pid && !stat?.startsWith('Z'))
    .map(([pid]) => Number(pid))
}
