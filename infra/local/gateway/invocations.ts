// Which function invocation the code now running belongs to: set where the local gateway calls a handler, so
// anything watching the shared process (the AWS call recorder) can tell the functions apart as Lambda would.
import { AsyncLocalStorage } from 'node:async_hooks'

export interface Invocation {
  /** The route table's name for the function, and the file it runs. */
  function: string
  entry: string
  /** What invoked it, as the route table names it: `GET /users/{id}`, `ws sendMessage`, `sqs`, `schedule reapIdle`. */
  trigger: string
}

// One per process, not per evaluation of this module: a test worker evaluates it afresh for every test file
// (test/setup/env.ts), while the AWS call recorder hooks the SDK, which loads once per process, only once.
const shared = Symbol.for('chat-service.invocations')
interface State {
  current: AsyncLocalStorage<Invocation>
  listeners: Set<(invocation: Invocation) => void>
}
const global = globalThis as { [shared]?: State }
global[shared] ??= { current: new AsyncLocalStorage<Invocation>(), listeners: new Set() }
const state = global[shared]
const { current, listeners } = state

/** The invocation the calling code runs in; known only once someone called onInvocation. */
export const currentInvocation = (): Invocation | undefined => current.getStore()

/** Told of every invocation as it starts. */
export function onInvocation(listener: (invocation: Invocation) => void): void {
  listeners.add(listener)
}

/**
 * Runs `run` as part of `invocation`. Only while someone watches (the AWS call recorder, by onInvocation) is it
 * tracked: an AsyncLocalStorage in use hooks every promise of the process, which made the SDK calls of the handlers
 * a quarter costlier in CPU.
 */
export function withInvocation<T>(invocation: Invocation, run: () => T): T {
  if (listeners.size === 0) return run()
  for (const listener of listeners) listener(invocation)
  return current.run(invocation, run)
}

interface AnyEvent {
  routeKey?: string
  type?: string
  methodArn?: string
  Records?: { eventSource?: string }[]
  'detail-type'?: string
  resources?: string[]
  requestContext?: { eventType?: string; routeKey?: string }
}

/** The trigger of an event shaped as API Gateway, SQS or EventBridge sends it. */
export function triggerOf(event: unknown): string {
  const e = (event ?? {}) as AnyEvent
  if (e.type === 'REQUEST' && e.methodArn) return 'ws authorizer'
  if (e.Records?.[0]?.eventSource === 'aws:sqs') return 'sqs'
  if (e['detail-type'] === 'Scheduled Event') {
    // The rule's name ends with the schedule's: `rule/chat-service-dev-reapIdle` locally `rule/reapIdle`.
    return `schedule ${(e.resources?.[0]?.split('rule/')[1] ?? '').split('-').pop()}`
  }
  if (e.requestContext?.eventType) return `ws ${e.requestContext.routeKey ?? ''}`
  if (typeof e.routeKey === 'string') return e.routeKey
  return 'direct'
}
