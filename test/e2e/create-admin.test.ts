// The first admin of a stage through its create-admin function, over the Lambda API: here the local runtime's,
// reached by the same SDK call (and the same CLI) an operator uses against a deployed stage.
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { LambdaClient } from '@aws-sdk/client-lambda'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { invokeOperatorFunction, OperatorInvokeError } from '../../infra/local/operator-invoke.ts'
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.ts'
import { writeRuntimeRecord } from '../../infra/local/runtime-file.ts'

let runtime: LocalRuntime
let lambda: LambdaClient
const tag = () => randomBytes(4).toString('hex')
const password = 'a long passphrase for the first admin'

beforeAll(async () => {
  runtime = await startLocalRuntime({
    env: { ...process.env, STAGE: `admin-${tag()}` },
    httpPort: 0,
    wsPort: 0,
  })
  lambda = new LambdaClient({
    endpoint: runtime.lambdaEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  })
})
afterAll(async () => {
  lambda?.destroy()
  await runtime?.stop()
})

async function login(user: string) {
  const response = await fetch(`${runtime.httpUrl}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: user, password }),
  })
  expect(response.status).toBe(200)
  return ((await response.json()) as { accessToken: string }).accessToken
}

describe('create-admin through the Lambda API', () => {
  it('creates an admin who can sign in and list accounts', async () => {
    const username = `root_${tag()}`
    const account = await invokeOperatorFunction<{ id: string; username: string; role: string }>(
      lambda,
      'local',
      'createAdmin',
      { email: `${username}@example.com`, username, password },
    )
    expect(account).toMatchObject({ username, role: 'admin' })
    const token = await login(username)
    const listed = await fetch(`${runtime.httpUrl}/admin/users`, {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(listed.status).toBe(200)
  })

  it('answers a refusal as the function error, without creating anything', async () => {
    await expect(
      invokeOperatorFunction(lambda, 'local', 'createAdmin', { promote: `nobody_${tag()}` }),
    ).rejects.toThrow(new OperatorInvokeError('NotFoundError: No active account with that login.'))
  })

  it('npm run create-admin -- --stage local promotes an account through a running runtime', async () => {
    const username = `member_${tag()}`
    const signup = await fetch(`${runtime.httpUrl}/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `${username}@example.com`, username, password }),
    })
    expect(signup.status).toBe(202)
    const dataDir = await mkdtemp(join(tmpdir(), 'create-admin-'))
    try {
      await writeRuntimeRecord(dataDir, {
        pid: process.pid,
        startedAt: new Date().toISOString(),
        httpUrl: runtime.httpUrl,
        wsUrl: runtime.wsUrl,
        managementEndpoint: runtime.managementEndpoint,
        lambdaEndpoint: runtime.lambdaEndpoint,
        env: { AWS_REGION: 'us-east-1' },
      })
      const { stdout } = await promisify(execFile)(
        'npx',
        ['tsx', 'infra/local/create-admin.ts', '--stage', 'local', '--promote', username],
        { env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '' } },
      )
      expect(stdout).toMatch(new RegExp(`admin ready on local: ${username} \\(`))
    } finally {
      await rm(dataDir, { recursive: true, force: true })
    }
    const token = await login(username)
    const listed = await fetch(`${runtime.httpUrl}/admin/users`, {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(listed.status).toBe(200)
  })
})
