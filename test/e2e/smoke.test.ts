// The post-deploy smoke test, run against the local runtime with outputs shaped as `cdk deploy --outputs-file` writes.
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.ts'

let runtime: LocalRuntime
let dir: string

beforeAll(async () => {
  runtime = await startLocalRuntime({
    env: { ...process.env, STAGE: `smoke-${randomBytes(4).toString('hex')}` },
    httpPort: 0,
    wsPort: 0,
  })
  dir = await mkdtemp(join(tmpdir(), 'smoke-'))
  // The smoke script asks /health once. A deployed stage has been serving for a while by then; this runtime has
  // not, and its first probe of each store also connects to it, which a busy machine stretches past the 2 s
  // deadline. Until every store has answered once:
  while ((await fetch(`${runtime.httpUrl}/health`)).status !== 200);
})
afterAll(async () => {
  await runtime?.stop()
  await rm(dir, { recursive: true, force: true })
})

it('checks /health and a WebSocket ping/pong through the URLs the deploy wrote, and removes its account', async () => {
  const outputs = join(dir, 'cdk-outputs.json')
  await writeFile(
    outputs,
    JSON.stringify({
      'ChatService-dev-Stateful': {},
      'ChatService-dev-Stateless': { HttpApiUrl: runtime.httpUrl, WebSocketUrl: runtime.wsUrl },
    }),
  )
  const { stdout } = await promisify(execFile)('npx', ['tsx', 'infra/cloud/smoke.ts', outputs])
  expect(stdout).toContain('GET /health -> 200')
  expect(stdout).toContain('WebSocket ping -> pong')
  expect(stdout).toContain('DELETE /users/me (the smoke account) -> 204')
})
