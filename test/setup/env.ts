// Points every test file at the stores the global setup started, and gives it a clean slate.
//
// Files share worker processes (isolate: false in vitest.config.ts) so that node_modules, the AWS SDK above all,
// load once per worker instead of once per file. What a file could see of the files before it is undone here,
// before each file runs: the project's own modules are evaluated afresh (their config, clients and caches are
// the file's own, as in a process of its own), and process.env is the one the worker started with.
import { inject, vi } from 'vitest'
import { installAwsCallRecorder } from '../../infra/iam-check/record.ts'

const pristine = Symbol.for('chat-service.test.pristineEnv')
const holder = globalThis as { [pristine]?: Record<string, string | undefined> }
holder[pristine] ??= { ...process.env }
const start = holder[pristine]
for (const name of Object.keys(process.env)) if (!(name in start)) delete process.env[name]
Object.assign(process.env, start)
vi.resetModules()

// Files running at the same time in different workers get a queue and a Redis stage of their worker's own,
// so no file consumes another's jobs or counts another's requests; files of one worker run one after another.
const worker = inject('workerEnv')[process.env.VITEST_POOL_ID ?? '1'] ?? {}
Object.assign(process.env, inject('storeEnv'), worker)
// Under `npm run check:iam`, before the test file imports any SDK module (see infra/iam-check/record.ts).
installAwsCallRecorder()
