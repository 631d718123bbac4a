// Typed routes over the shared stack: limits, authentication and guards, body parsing, then zod validation.
import type { Context } from 'aws-lambda'
import type * as z from 'zod'
import { type Audit, mongoAudit, type RequestMeta } from '../audit/log.ts'
import type { Caller } from '../auth/caller.ts'
import { config } from '../config.ts'
import { NotFoundError } from '../errors.ts'
import { perUser } from '../rate-limit/middleware.ts'
import { requireCaller } from './authenticate.ts'
import type { HttpDeps } from './deps.ts'
import { jsonBody } from './json-body.ts'
import type { MongoHttpDeps } from './mongo-deps.ts'
import {
  type HttpContext,
  type HttpEvent,
  type HttpMiddleware,
  type HttpResult,
  httpHandler,
} from './stack.ts'
import { validate } from './validate.ts'

/** A route's contract (lib/protocol/http) with what only the server adds: body size, guards. */
export interface RouteSpec<B extends z.ZodType, P extends z.ZodType, Q extends z.ZodType> {
  /** Whether the contract promises authentication: it must match `caller` or `public`. */
  auth?: boolean
  body?: B
  path?: P
  query?: Q
  maxBodyBytes?: number
  /** Run before the body is read: rate limits, permission guards (after authentication on caller routes). */
  guards?: readonly HttpMiddleware[]
}

export interface RouteInput<B extends z.ZodType, P extends z.ZodType, Q extends z.ZodType> {
  body: z.output<B>
  path: z.output<P>
  query: z.output<Q>
  meta: RequestMeta
  event: HttpEvent
}

/** The audit log goes to MongoDB: a route records actions only in a function given it. */
export type AuditInput<D extends HttpDeps> = D extends MongoHttpDeps ? { audit: Audit } : unknown

const hasMongo = (deps: HttpDeps): deps is MongoHttpDeps => 'mongo' in deps

export interface CallerInput<B extends z.ZodType, P extends z.ZodType, Q extends z.ZodType>
  extends RouteInput<B, P, Q> {
  caller: Caller
}

export type LambdaHandler = (event: HttpEvent, context: Context) => Promise<HttpResult>

/** Builds a middleware on its first request, so importing a handler reads no configuration. */
function lazyMiddleware(create: () => HttpMiddleware): HttpMiddleware {
  let middleware: HttpMiddleware | undefined
  const instance = () => {
    middleware ??= create()
    return middleware
  }
  // Only `before` builds it: a failure before that (bad configuration, say) must reach the problem handler.
  return {
    before: async (request) => instance().before?.(request),
    after: async (request) => middleware?.after?.(request),
    onError: async (request) => middleware?.onError?.(request),
  }
}

function metaOf(event: HttpEvent): RequestMeta {
  return {
    ip: event.requestContext.http.sourceIp,
    userAgent: (event.headers?.['user-agent'] ?? '').slice(0, 512),
    requestId: event.requestContext.requestId,
  }
}

export function routes<D extends HttpDeps>(deps: D) {
  const build = <B extends z.ZodType, P extends z.ZodType, Q extends z.ZodType>(
    spec: RouteSpec<B, P, Q>,
    before: readonly HttpMiddleware[],
    run: (input: RouteInput<B, P, Q> & AuditInput<D>, context: HttpContext) => Promise<HttpResult>,
  ): LambdaHandler => {
    const middleware = [...before, ...(spec.guards ?? [])]
    if (spec.body) middleware.push(lazyMiddleware(() => jsonBody(spec.maxBodyBytes)))
    middleware.push(validate({ body: spec.body, path: spec.path, query: spec.query }))
    return httpHandler(async (event, context) => {
      const input = context.input ?? { body: undefined, path: {}, query: {} }
      const meta = metaOf(event)
      const routeInput = {
        body: input.body as z.output<B>,
        path: input.path as z.output<P>,
        query: input.query as z.output<Q>,
        meta,
        event,
        ...(hasMongo(deps) ? { audit: mongoAudit(deps.mongo, meta) } : {}),
      } as RouteInput<B, P, Q> & AuditInput<D>
      return run(routeInput, context)
    }, middleware) as LambdaHandler
  }

  return {
    /** Open to anyone: signup, login, refresh, logout. */
    public<B extends z.ZodType, P extends z.ZodType, Q extends z.ZodType>(
      spec: RouteSpec<B, P, Q>,
      run: (input: RouteInput<B, P, Q> & AuditInput<D>) => Promise<HttpResult>,
    ): LambdaHandler {
      if (spec.auth === true) throw new Error('the contract asks for a caller route')
      return build(spec, [], run)
    },
    /** Needs a valid access token; every such route also counts against the caller's API-wide limit. */
    caller<B extends z.ZodType, P extends z.ZodType, Q extends z.ZodType>(
      spec: RouteSpec<B, P, Q>,
      run: (input: CallerInput<B, P, Q> & AuditInput<D>) => Promise<HttpResult>,
    ): LambdaHandler {
      if (spec.auth === false) throw new Error('the contract asks for a public route')
      const authentication = [
        requireCaller(deps),
        lazyMiddleware(() =>
          perUser(config().API_RATE_LIMIT_PER_MINUTE, '1 m', { bucket: 'api', redis: deps.redis }),
        ),
      ]
      return build(spec, authentication, (input, context) => {
        if (!context.caller) throw new Error('authentication middleware did not run')
        return run({ ...input, caller: context.caller })
      })
    },
  }
}

/** One Lambda serves several routes of an area; API Gateway names the matched route in `routeKey`. */
export function routeByKey(table: Record<string, LambdaHandler>): LambdaHandler {
  const unknown = httpHandler(async () => {
    throw new NotFoundError('No such route.')
  }) as LambdaHandler
  return (event, context) =>
    (Object.hasOwn(table, event.routeKey) ? table[event.routeKey] : unknown)!(event, context)
}
