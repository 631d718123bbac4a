// The Lambda Invoke API (RequestResponse) that the unchanged AWS SDK calls, so an operator's tool that invokes a
// deployed function by name (create-admin) runs the same code against the local runtime.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { FunctionTimeoutError, type LocalFunctions } from './lambda.ts'
import { listen, type RunningServer } from './listen.ts'
import type { RouteTable } from './table.ts'

const invokePath = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/

/** A route-table name, or a deployed name or ARN ending in one (`chat-service-<stage>-createAdmin`). */
function functionNamed(table: RouteTable, given: string): string | undefined {
  const name = decodeURIComponent(given).split(':function:').pop()?.split(':')[0] ?? ''
  if (name in table.functions) return name
  const last = name.split('-').pop() ?? ''
  return last in table.functions ? last : undefined
}

function answer(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  response.writeHead(status, { 'content-type': 'application/json', ...headers })
  response.end(JSON.stringify(body))
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of request as AsyncIterable<Buffer>) chunks.push(chunk)
  return Buffer.concat(chunks).toString('utf8')
}

export function startLambdaApi(options: {
  table: RouteTable
  functions: LocalFunctions
  port: number
  log: (line: string) => void
}): Promise<RunningServer> {
  const serve = async (request: IncomingMessage, response: ServerResponse) => {
    const match = invokePath.exec((request.url ?? '/').split('?')[0] ?? '')
    if (request.method !== 'POST' || !match?.[1]) return answer(response, 404, { message: 'Not Found' })
    const name = functionNamed(options.table, match[1])
    if (!name) {
      const message = `Function not found: ${decodeURIComponent(match[1])}`
      return answer(
        response,
        404,
        { Type: 'User', message },
        { 'x-amzn-errortype': 'ResourceNotFoundException' },
      )
    }
    const text = await readBody(request)
    try {
      const result = await options.functions.invoke(name, text ? JSON.parse(text) : {})
      options.log(`lambda invoke ${name} -> ok`)
      return answer(response, 200, result, { 'x-amz-executed-version': '$LATEST' })
    } catch (error) {
      // A function that throws still answers 200; the SDK reads the failure from X-Amz-Function-Error.
      const failure = error instanceof Error ? error : new Error(String(error))
      options.log(`lambda invoke ${name} -> ${failure.name}: ${failure.message}`)
      const errorType = failure instanceof FunctionTimeoutError ? 'Sandbox.Timedout' : failure.name
      return answer(
        response,
        200,
        { errorType, errorMessage: failure.message },
        { 'x-amz-function-error': 'Unhandled', 'x-amz-executed-version': '$LATEST' },
      )
    }
  }
  const server = createServer((request, response) => {
    serve(request, response).catch((error: unknown) => answer(response, 500, { message: String(error) }))
  })
  return listen(server, options.port)
}
