// `npm run invoke` beside a running dev runtime: it reuses that runtime's env and @connections endpoint.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { WsEvent } from '../../../infra/local/gateway/events.ts'
import { realRoutes, repositoryRoot } from '../../../infra/local/gateway/table.ts'
import { type LocalRuntime, startLocalRuntime } from '../../../infra/local/runtime.ts'
import { writeRuntimeRecord } from '../../../infra/local/runtime-file.ts'
import { openClient } from './clients.ts'
import { nextRecord } from './fixtures/probe.ts'
import { runScript } from './processes.ts'
import { redisOnlyEnv } from './routes.ts'

let runtime: LocalRuntime
let dataDir: string

/** The invoke command, as a shell started elsewhere would run it: its own environment says nothing useful. */
const invoke = (...args: string[]) =>
  runScript('infra/local/invoke.ts', args, {
    PATH: process.env.PATH,
    DATA_DIR: dataDir,
    WS_MANAGEMENT_ENDPOINT: 'http://127.0.0.1:9',
  })

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'gateway-invoke-'))
  // The real table with only Redis behind it: its authorizer and connection lifecycle give way to a $connect that
  // tells the test which connection id it got.
  runtime = await startLocalRuntime({
    routes: {
      ...realRoutes,
      functions: { ...realRoutes.functions, connect: { entry: 'test/e2e/gateway/fixtures/connect.ts' } },
      webSocket: {
        routeSelectionExpression: realRoutes.webSocket.routeSelectionExpression,
        routes: [
          ...realRoutes.webSocket.routes.filter((route) => !route.routeKey.endsWith('connect')),
          { routeKey: '$connect', function: 'connect' },
        ],
      },
      schedules: [],
    },
    env: redisOnlyEnv(),
    httpPort: 0,
    wsPort: 0,
  })
  await writeRuntimeRecord(dataDir, {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    httpUrl: runtime.httpUrl,
    wsUrl: runtime.wsUrl,
    managementEndpoint: runtime.managementEndpoint,
    env: { ...redisOnlyEnv(), WS_MANAGEMENT_ENDPOINT: runtime.managementEndpoint },
  })
})
afterAll(async () => {
  await runtime?.stop()
  await rm(dataDir, { recursive: true, force: true })
})

describe('npm run invoke', () => {
  it('runs wsPing on the sample event and the pong reaches the live connection through the dev @connections', async () => {
    const client = await openClient(`${runtime.wsUrl}/?tag=invoke`)
    const connect = await nextRecord<WsEvent>(
      'connect',
      (event) => event.queryStringParameters?.tag === 'invoke',
    )
    const sample = JSON.parse(await readFile(join(repositoryRoot, 'events/ws/ping.json'), 'utf8')) as WsEvent
    sample.requestContext.connectionId = connect.requestContext.connectionId
    const eventFile = join(dataDir, 'ping.json')
    await writeFile(eventFile, JSON.stringify(sample))

    const result = await invoke('wsPing', eventFile)
    expect(result.stderr).toContain(`using the dev runtime at ${runtime.httpUrl}`)
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual({ statusCode: 200 })
    expect(JSON.parse(await client.nextFrame())).toEqual({ type: 'pong' })
    client.socket.close()
  })

  it('takes a handler file by path, keeping its logs off stdout', async () => {
    const eventFile = join(dataDir, 'say.json')
    await writeFile(eventFile, '{"say":"hello"}')
    const result = await invoke('test/e2e/gateway/fixtures/noisy.ts', eventFile)
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual({
      said: 'hello',
      managementEndpoint: runtime.managementEndpoint,
    })
    expect(result.stderr).toContain('a log line that belongs on stderr')
  })

  it('fails with exit code 1 and says why for a function it does not know', async () => {
    const result = await invoke('noSuchFunction', join(repositoryRoot, 'events/ws/ping.json'))
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toContain('noSuchFunction is neither a function in infra/routes.ts nor a file')
  })
})
