// `<DATA_DIR>/runtime.json`: how a running `npm run dev` is reached, so `npm run invoke` can use the same stores.
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

export interface RuntimeRecord {
  pid: number
  startedAt: string
  httpUrl: string
  wsUrl: string
  managementEndpoint: string
  /** The Lambda Invoke API, for operators' tools (`npm run create-admin -- --stage local`). */
  lambdaEndpoint?: string
  /** What the handlers of that runtime see: store endpoints, credentials, WS_MANAGEMENT_ENDPOINT. */
  env: Record<string, string>
}

export const runtimeFile = (dataDir: string) => join(dataDir, 'runtime.json')

export async function writeRuntimeRecord(dataDir: string, record: RuntimeRecord): Promise<void> {
  // Local credentials only, but still nobody else's business.
  await writeFile(runtimeFile(dataDir), `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 })
}

export async function removeRuntimeRecord(dataDir: string): Promise<void> {
  await rm(runtimeFile(dataDir), { force: true })
}

const processAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The record of a dev runtime that is still running and answering; undefined when there is none (or a stale one). */
export async function liveRuntime(dataDir: string): Promise<RuntimeRecord | undefined> {
  let record: RuntimeRecord
  try {
    record = JSON.parse(await readFile(runtimeFile(dataDir), 'utf8')) as RuntimeRecord
  } catch {
    return undefined
  }
  if (!processAlive(record.pid)) return undefined
  try {
    await fetch(record.httpUrl, { signal: AbortSignal.timeout(1000) })
    return record
  } catch {
    return undefined
  }
}
