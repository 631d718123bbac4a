// Runs route-table functions in this process as Lambda would: imported lazily by entry, given a Context, timed out.
import { randomBytes, randomUUID } from 'node:crypto'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Context } from 'aws-lambda'
import { triggerOf, withInvocation } from './invocations.ts'
import type { LocalIdentity, RouteTable } from './table.ts'

type Handler = (event: unknown, context: Context) => unknown

/** Lambda's own default is 3 s; ours stays generous so a debugger pause does not fail the call. */
const defaultTimeoutSeconds = 30

export class FunctionTimeoutError extends Error {
  override readonly name = 'FunctionTimeoutError'
}

export interface LocalFunctions {
  timeoutMs(name: string): number
  /** Runs a function once; rejects with what it threw, or FunctionTimeoutError when it outlives its deadline. */
  invoke(name: string, event: unknown, options?: { timeoutMs?: number }): Promise<unknown>
}

function isHandler(value: unknown): value is Handler {
  return typeof value === 'function'
}

export function localFunctions(table: RouteTable, root: string, identity: LocalIdentity): LocalFunctions {
  const loaded = new Map<string, Promise<Handler>>()

  const spec = (name: string) => {
    const found = table.functions[name]
    if (!found) throw new Error(`No function named ${name} in the route table`)
    return found
  }

  const load = (entry: string) => {
    let pending = loaded.get(entry)
    if (!pending) {
      pending = import(pathToFileURL(resolve(root, entry)).href).then((module: { handler?: unknown }) => {
        if (!isHandler(module.handler)) throw new Error(`${entry} does not export a handler function`)
        return module.handler
      })
      loaded.set(entry, pending)
      pending.catch(() => loaded.delete(entry))
    }
    return pending
  }

  const context = (name: string, deadline: number, memoryMb: number): Context => {
    const unsupported = () => {
      throw new Error('Callback-style completion is not supported; return a value or a promise')
    }
    const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/')
    return {
      callbackWaitsForEmptyEventLoop: true,
      functionName: name,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:${identity.region}:${identity.accountId}:function:${name}`,
      memoryLimitInMB: String(memoryMb),
      awsRequestId: randomUUID(),
      logGroupName: `/aws/lambda/${name}`,
      logStreamName: `${day}/[$LATEST]${randomBytes(16).toString('hex')}`,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: unsupported,
      fail: unsupported,
      succeed: unsupported,
    }
  }

  const timeoutMs = (name: string) => (spec(name).timeoutSeconds ?? defaultTimeoutSeconds) * 1000

  return {
    timeoutMs,
    async invoke(name, event, options = {}) {
      const { entry, memoryMb = 128 } = spec(name)
      const handler = await load(entry)
      const limit = Math.min(timeoutMs(name), options.timeoutMs ?? Number.POSITIVE_INFINITY)
      let timer: NodeJS.Timeout | undefined
      const expired = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new FunctionTimeoutError(`${name} timed out after ${limit} ms`)),
          limit,
        )
      })
      try {
        // The handler keeps running after a timeout (one process, no sandbox to freeze); its result is dropped.
        const result = await Promise.race([
          withInvocation({ function: name, entry, trigger: triggerOf(event) }, () =>
            Promise.resolve().then(() => handler(event, context(name, Date.now() + limit, memoryMb))),
          ),
          expired,
        ])
        // Lambda hands the caller the result's JSON, so what cannot cross that boundary fails here too.
        return result === undefined ? null : JSON.parse(JSON.stringify(result))
      } finally {
        clearTimeout(timer)
      }
    },
  }
}
