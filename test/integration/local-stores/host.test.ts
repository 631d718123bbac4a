// The process a supervised store runs in: it serves until its parent stops it or goes away, never longer.
import { type ChildProcess, fork } from 'node:child_process'
import { once } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import { compiledHost } from '../../../infra/local/stores/compiled-host.ts'

let child: ChildProcess | undefined

/** Starts the SQS server (the lightest) in a store process and returns its endpoint once it is ready. */
async function startStoreProcess(): Promise<string> {
  child = fork(await compiledHost(), ['sqs'], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] })
  child.send({ port: 0, region: 'us-east-1' })
  const [message] = (await once(child, 'message')) as [{ ready: number }]
  return `http://127.0.0.1:${message.ready}`
}

const answers = (endpoint: string) =>
  fetch(endpoint, { method: 'POST', body: 'Action=ListQueues' }).then(
    () => true,
    () => false,
  )

afterEach(() => {
  if (child?.exitCode === null) child.kill('SIGKILL')
})

describe('a store process', () => {
  it('ends cleanly, its port closed, when the process that started it goes away', async () => {
    const endpoint = await startStoreProcess()
    expect(await answers(endpoint)).toBe(true)
    const exited = once(child as ChildProcess, 'exit')
    // The parent's end of the channel closes however the parent ends, SIGKILL included.
    child?.disconnect()
    expect(await exited).toEqual([0, null])
    expect(await answers(endpoint)).toBe(false)
  })

  it('outlives a Ctrl-C sent to the whole process group, and ends on SIGTERM from its parent', async () => {
    const endpoint = await startStoreProcess()
    child?.kill('SIGINT')
    expect(await answers(endpoint)).toBe(true)
    expect(child?.exitCode).toBeNull()
    const exited = once(child as ChildProcess, 'exit')
    child?.kill('SIGTERM')
    expect(await exited).toEqual([0, null])
  })
})
