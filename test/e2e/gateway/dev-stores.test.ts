// `npm run dev` with a store process of its own: a malformed request to it, or its death, leaves the runtime serving.
import type { ChildProcess } from 'node:child_process'
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { RuntimeRecord } from '../../../infra/local/runtime-file.ts'
import { childrenOf, lineMatching, running, startScript } from './processes.ts'

let dataDir: string
let dev: ChildProcess
let record: RuntimeRecord
let output = ''

/** The pid of dev's process serving S3, found by its command line. */
async function s3Process(): Promise<number> {
  const { stdout } = await promisify(execFile)('ps', ['-o', 'pid=,args=', '--ppid', String(dev.pid)])
  const line = stdout.split('\n').find((candidate) => candidate.trim().endsWith('host.mjs s3rver'))
  if (!line) throw new Error(`dev runs no S3 process:\n${stdout}`)
  return Number.parseInt(line, 10)
}

const health = async () => (await fetch(`${record.httpUrl}/health`)).status

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'gateway-dev-stores-'))
  // Every store but S3 adopted from the test run: this runtime starts and supervises S3 itself.
  const { WS_MANAGEMENT_ENDPOINT: _, AWS_ENDPOINT_URL_S3: __, ...env } = process.env
  dev = startScript('infra/local/dev.ts', [], { ...env, HTTP_PORT: '0', WS_PORT: '0', DATA_DIR: dataDir })
  dev.stdout?.on('data', (chunk: Buffer) => {
    output += chunk
  })
  await lineMatching(dev, /Ctrl-C stops/)
  record = JSON.parse(await readFile(join(dataDir, 'runtime.json'), 'utf8')) as RuntimeRecord
})
afterAll(async () => {
  if (dev?.exitCode === null) dev.kill('SIGKILL')
  await rm(dataDir, { recursive: true, force: true })
})

describe('npm run dev with a store of its own', () => {
  it('answers /health 200 after an unauthenticated malformed multipart POST to its S3 endpoint', async () => {
    const { AWS_ENDPOINT_URL_S3: s3, UPLOADS_BUCKET: bucket } = record.env
    const boundary = 'malformed'
    const response = await fetch(`${s3}/${bucket}`, {
      method: 'POST',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      body: `--${boundary}\r\n Content-Disposition: form-data; name="key"\r\n\r\nx\r\n--${boundary}--\r\n`,
    })
    expect(response.ok).toBe(false)
    expect(await health()).toBe(200)
  })

  it('logs a store process that dies, restarts it on the same port, and keeps serving', async () => {
    const pid = await s3Process()
    process.kill(pid, 'SIGKILL')
    await vi.waitFor(() => expect(output).toMatch(/s3: restarted as process \d+ on port/), {
      timeout: 60_000,
    })
    expect(output).toContain(`s3: process ${pid} ended (signal SIGKILL)`)
    expect(await s3Process()).not.toBe(pid)
    expect(await health()).toBe(200)
  })

  it('stops on SIGINT with exit code 0, leaving no child process behind', async () => {
    const children = await childrenOf(dev.pid ?? -1)
    expect(children).toContain(await s3Process())
    const exited = new Promise<number | null>((resolve) => dev.once('exit', resolve))
    dev.kill('SIGINT')
    expect(await exited).toBe(0)
    expect(await running(children)).toEqual([])
  })
})
