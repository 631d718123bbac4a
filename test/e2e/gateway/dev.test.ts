// `npm run dev` as a developer runs it: stores, migrations and gateway up, a runtime.json, and a clean Ctrl-C.
import type { ChildProcess } from 'node:child_process'
import { access, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RuntimeRecord } from '../../../infra/local/runtime-file.ts'
import { person } from '../../integration/realtime/people.ts'
import { openClient } from './clients.ts'
import { childrenOf, lineMatching, running, startScript } from './processes.ts'

let dataDir: string
let dev: ChildProcess
let record: RuntimeRecord

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'gateway-dev-'))
  // The run's stores when the test setup provides them (dev adopts what the environment names), its own otherwise.
  const { WS_MANAGEMENT_ENDPOINT: _, ...env } = process.env
  dev = startScript('infra/local/dev.ts', [], { ...env, HTTP_PORT: '0', WS_PORT: '0', DATA_DIR: dataDir })
  await lineMatching(dev, /Ctrl-C stops/)
  record = JSON.parse(await readFile(join(dataDir, 'runtime.json'), 'utf8')) as RuntimeRecord
})
afterAll(async () => {
  if (dev?.exitCode === null) dev.kill('SIGKILL')
  await rm(dataDir, { recursive: true, force: true })
})

describe('npm run dev', () => {
  it('writes runtime.json with its endpoints and the env its handlers see', () => {
    expect(record.pid).toBe(dev.pid)
    expect(record.env.WS_MANAGEMENT_ENDPOINT).toBe(record.managementEndpoint)
    expect(record.env).toMatchObject({
      DATABASE_URL: expect.any(String),
      MONGO_URL: expect.any(String),
      NOTIFICATIONS_QUEUE_URL: expect.any(String),
      CONNECTIONS_TABLE: expect.any(String),
    })
  })

  it('serves GET /health with every store up, and ping over the WebSocket API', async () => {
    // The first probe of a store also connects to it, which a busy machine can stretch past the probe's 2 s
    // deadline; a store that is really down answers 503 the second time too.
    let response = await fetch(`${record.httpUrl}/health`)
    if (response.status === 503) response = await fetch(`${record.httpUrl}/health`)
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ status: 'ok' })
    // dev adopted this run's PostgreSQL and signing keys, so a session made here is one it accepts.
    const client = await openClient(`${record.wsUrl}/?token=${(await person()).token}`)
    client.socket.send(JSON.stringify({ action: 'ping' }))
    expect(JSON.parse(await client.nextFrame())).toEqual({ type: 'pong' })
    client.socket.close()
  })

  it('stops on SIGINT with exit code 0, leaving no child process, no runtime.json, no open port', async () => {
    const pid = dev.pid ?? -1
    const children = await childrenOf(pid)
    const exited = new Promise<number | null>((resolve) => dev.once('exit', resolve))
    dev.kill('SIGINT')
    expect(await exited).toBe(0)
    expect(await running(children)).toEqual([])
    await expect(access(join(dataDir, 'runtime.json'))).rejects.toThrow()
    await expect(fetch(record.httpUrl)).rejects.toThrow()
  })
})
