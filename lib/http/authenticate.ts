// Bearer-token authentication and the permission guard, as middleware placed before any route logic.
import type middy from '@middy/core'
import { authenticate } from '../auth/caller.ts'
import type { Tokens } from '../auth/tokens.ts'
import { ForbiddenError, UnauthorizedError } from '../errors.ts'
import { logger } from '../log.ts'
import type { Sql } from '../stores/postgres.ts'
import type { HttpContext, HttpEvent, HttpResult } from './stack.ts'

type Middleware = middy.MiddlewareObj<HttpEvent, HttpResult, Error, HttpContext>

const bearer = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/

/** Sets `context.caller`; every refusal is logged with its reason (the token itself never). */
export function requireCaller(deps: { sql: () => Promise<Sql>; tokens: () => Promise<Tokens> }): Middleware {
  return {
    before: async (request) => {
      const match = bearer.exec(request.event.headers?.authorization ?? '')
      try {
        if (!match?.[1])
          throw new UnauthorizedError('Send an access token as "Authorization: Bearer <token>".')
        const [sql, tokens] = await Promise.all([deps.sql(), deps.tokens()])
        request.context.caller = await authenticate({ sql, tokens }, match[1])
      } catch (error) {
        if (error instanceof UnauthorizedError) {
          const cause = error.cause instanceof Error ? error.cause.name : undefined
          logger.info('authentication refused', { reason: error.message, cause })
        }
        throw error
      }
    },
  }
}

/** Deny unless the caller's role grants one of the permissions (role_permissions in PostgreSQL). */
export function requirePermission(...anyOf: string[]): Middleware {
  return {
    before: (request) => {
      const caller = request.context.caller
      if (!caller) throw new UnauthorizedError('This route needs an access token.')
      if (!anyOf.some((permission) => caller.permissions.includes(permission))) {
        logger.info('authorization refused', { userId: caller.id, permissions: anyOf })
        throw new ForbiddenError('Your role does not allow this.')
      }
    },
  }
}
