// Sample events: which function of the route table takes one, and filling its `${NAME}` placeholders.
import { httpRouter } from './http-routes.ts'
import type { RouteTable } from './table.ts'

interface AnyEvent {
  version?: string
  routeKey?: string
  type?: string
  methodArn?: string
  Records?: { eventSource?: string; eventSourceARN?: string }[]
  'detail-type'?: string
  resources?: string[]
  requestContext?: { eventType?: string; routeKey?: string; http?: { method?: string; path?: string } }
}

/** The function name, or undefined when no route, consumer or schedule of the table takes this event. */
export function functionForEvent(table: RouteTable, event: AnyEvent): string | undefined {
  if (event.type === 'REQUEST' && event.methodArn) return table.webSocket.authorizer?.function
  const record = event.Records?.[0]
  if (record?.eventSource === 'aws:sqs') {
    // The queue's name ends in its table name (`chat-service-dev-delivery`, `chat-local-notifications`).
    const queue = record.eventSourceARN ?? ''
    return (
      table.queueConsumers.find((consumer) => queue.endsWith(`-${consumer.queue}`)) ?? table.queueConsumers[0]
    )?.function
  }
  if (event['detail-type'] === 'Scheduled Event') {
    const rule = event.resources?.[0] ?? ''
    return (table.schedules.find((schedule) => rule.endsWith(`-${schedule.name}`)) ?? table.schedules[0])
      ?.function
  }
  const context = event.requestContext
  if (context?.eventType) {
    const key = context.routeKey ?? ''
    const route = table.webSocket.routes.find((candidate) => candidate.routeKey === key)
    return (route ?? table.webSocket.routes.find((candidate) => candidate.routeKey === '$default'))?.function
  }
  if (event.version === '2.0' && context?.http?.method && context.http.path) {
    return httpRouter(table.httpRoutes)(context.http.method, context.http.path)?.function
  }
  return undefined
}

/** Fills `${NAME}` placeholders (an access token, say) from `env`, so samples need no editing. */
export function fillPlaceholders(
  text: string,
  env: Record<string, string | undefined>,
  file: string,
): string {
  return text.replace(/\$\{([A-Z][A-Z0-9_]*)\}/g, (_, name: string) => {
    const value = env[name]
    if (value === undefined) throw new Error(`${file} needs ${name}: set it in the environment`)
    return JSON.stringify(value).slice(1, -1)
  })
}
