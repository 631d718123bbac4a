// The WebSocket API's Lambda REQUEST authorizer at $connect: identity sources, the policy decision, the context limits.
import {
  type AuthorizerContext,
  type ConnectionFacts,
  type RequestFacts,
  wsAuthorizerEvent,
} from './events.ts'
import type { LocalFunctions } from './lambda.ts'
import type { LocalIdentity } from './table.ts'

export type Authorization =
  | { allowed: true; authorizer: AuthorizerContext }
  | { allowed: false; status: 401 | 403 | 500; message: string; why: string }

const maxContextBytes = 8 * 1024

const unauthorized = (why: string): Authorization => ({
  allowed: false,
  status: 401,
  message: 'Unauthorized',
  why,
})
const misconfigured = (why: string): Authorization => ({
  allowed: false,
  status: 500,
  message: 'Internal Server Error',
  why,
})

/** API Gateway refuses with 401, without calling the authorizer, when an identity source is missing or empty. */
function missingSource(identitySource: string, facts: RequestFacts): string | undefined {
  const query = new URLSearchParams(facts.rawQueryString)
  for (const source of identitySource.split(',').map((part) => part.trim())) {
    const [, kind, name = ''] = /^route\.request\.(header|querystring)\.(.+)$/.exec(source) ?? []
    if (kind === 'querystring' && !query.get(name)) return source
    if (kind === 'header') {
      const index = facts.rawHeaders.findIndex(
        (value, i) => i % 2 === 0 && value.toLowerCase() === name.toLowerCase(),
      )
      if (index < 0 || !facts.rawHeaders[index + 1]) return source
    }
  }
  return undefined
}

const asList = (value: unknown): string[] =>
  Array.isArray(value) ? value.map(String) : typeof value === 'string' ? [value] : []

/** IAM wildcards: `*` any run of characters, `?` any one. */
const wildcard = (pattern: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replaceAll('*', '.*')
      .replaceAll('?', '.')}$`,
  )

/** Deny wins; otherwise some Allow must cover execute-api:Invoke on the method ARN. */
function allows(policy: unknown, methodArn: string): boolean {
  if (typeof policy !== 'object' || policy === null || !('Statement' in policy)) return false
  const statements = Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement]
  const applying = statements.filter(
    (statement: { Action?: unknown; Resource?: unknown }) =>
      asList(statement.Action).some((action) => wildcard(action).test('execute-api:Invoke')) &&
      asList(statement.Resource).some((resource) => wildcard(resource).test(methodArn)),
  )
  const effects = applying.map((statement: { Effect?: unknown }) => statement.Effect)
  return !effects.includes('Deny') && effects.includes('Allow')
}

function validContext(context: unknown): context is AuthorizerContext {
  return (
    typeof context === 'object' &&
    context !== null &&
    Object.values(context).every((value) => ['string', 'number', 'boolean'].includes(typeof value))
  )
}

export interface AuthorizeRequest {
  authorizer: { function: string; identitySource: string }
  facts: RequestFacts
  connection: ConnectionFacts
  functions: LocalFunctions
  ids: LocalIdentity
  timeoutMs: number
}

export async function authorize(request: AuthorizeRequest): Promise<Authorization> {
  const { authorizer, facts, connection, functions, ids, timeoutMs } = request
  const missing = missingSource(authorizer.identitySource, facts)
  if (missing) return unauthorized(`identity source ${missing} is missing`)
  const event = wsAuthorizerEvent(facts, connection, ids)
  const started = Date.now()
  let result: unknown
  try {
    result = await functions.invoke(authorizer.function, event, { timeoutMs })
  } catch (error) {
    // A Lambda authorizer signals 401 by failing with exactly "Unauthorized".
    if (error instanceof Error && error.message === 'Unauthorized')
      return unauthorized('the authorizer said so')
    return misconfigured(`the authorizer failed: ${String(error)}`)
  }
  const integrationLatency = Date.now() - started
  if (
    typeof result !== 'object' ||
    result === null ||
    !('principalId' in result) ||
    !('policyDocument' in result)
  )
    return misconfigured('the authorizer returned no principalId and policyDocument')
  if (!allows(result.policyDocument, event.methodArn))
    return { allowed: false, status: 403, message: 'Forbidden', why: 'the policy does not allow $connect' }
  const context = 'context' in result && result.context != null ? result.context : {}
  if (!validContext(context))
    return misconfigured('authorizer context values must be strings, numbers or booleans')
  if (Buffer.byteLength(JSON.stringify(context)) > maxContextBytes)
    return misconfigured(`authorizer context is over ${maxContextBytes} bytes`)
  return {
    allowed: true,
    authorizer: { ...context, principalId: String(result.principalId), integrationLatency },
  }
}
