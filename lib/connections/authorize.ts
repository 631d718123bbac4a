// The $connect authorizer's decision: a live session's access token from `?token=`, and an allowed Origin.
import type { APIGatewayAuthorizerWithContextResult } from 'aws-lambda'
import { authenticate } from '../auth/caller.ts'
import type { Tokens } from '../auth/tokens.ts'
import { UnauthorizedError } from '../errors.ts'
import { logger } from '../log.ts'
import type { Sql } from '../stores/postgres.ts'

/** What the authorizer reads of API Gateway's REQUEST event for a WebSocket `$connect`. */
export interface ConnectAuthorizerEvent {
  methodArn: string
  headers?: Record<string, string | undefined> | null
  queryStringParameters?: Record<string, string | undefined> | null
  requestContext?: { connectionId?: string; identity?: { sourceIp?: string } }
}

/** Handed to every later event of the connection as `requestContext.authorizer`. */
export type ConnectionIdentity = { userId: string; sessionId: string }
export type AuthorizerResult = APIGatewayAuthorizerWithContextResult<ConnectionIdentity>

export interface AuthorizerDeps {
  sql: Sql
  tokens: Tokens
  allowedOrigins: readonly string[]
}

/** API Gateway answers the handshake 401 when a Lambda authorizer fails with exactly this message. */
export const unauthorized = () => new Error('Unauthorized')

function headerOf(event: ConnectAuthorizerEvent, name: string): string | undefined {
  const found = Object.entries(event.headers ?? {}).find(([key]) => key.toLowerCase() === name)
  return found?.[1]
}

function policy(effect: 'Allow' | 'Deny', principalId: string, methodArn: string) {
  return {
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: methodArn }],
    },
  }
}

/**
 * Browsers always send Origin, so a listed origin stops other sites opening sockets with a user's token
 * (cross-site WebSocket hijacking). Non-browser clients send none and can claim any, so a missing one passes.
 */
function originAllowed(origin: string | undefined, allowed: readonly string[]): boolean {
  return allowed.length === 0 || origin === undefined || allowed.includes(origin)
}

/**
 * Allow with the user and session as context; a missing, invalid or expired token, a disabled user or an ended
 * session throws `Unauthorized` (401); a foreign Origin gets a Deny policy (403). Store faults throw as they are
 * (500): the handshake fails closed. The token is never logged.
 */
export async function authorizeConnect(
  deps: AuthorizerDeps,
  event: ConnectAuthorizerEvent,
): Promise<AuthorizerResult | Omit<AuthorizerResult, 'context'>> {
  const who = {
    sourceIp: event.requestContext?.identity?.sourceIp,
    connectionId: event.requestContext?.connectionId,
  }
  const origin = headerOf(event, 'origin')
  if (!originAllowed(origin, deps.allowedOrigins)) {
    logger.warn('websocket connect refused', { ...who, reason: 'origin not allowed', origin })
    return policy('Deny', 'anonymous', event.methodArn)
  }
  const token = event.queryStringParameters?.token
  try {
    if (!token) throw new UnauthorizedError('No access token in the token query parameter.')
    const caller = await authenticate({ sql: deps.sql, tokens: deps.tokens }, token)
    logger.info('websocket connect authorized', { ...who, userId: caller.id, sessionId: caller.sessionId })
    return {
      ...policy('Allow', caller.id, event.methodArn),
      context: { userId: caller.id, sessionId: caller.sessionId },
    }
  } catch (error) {
    if (!(error instanceof UnauthorizedError)) throw error
    const cause = error.cause instanceof Error ? error.cause.name : undefined
    logger.warn('websocket connect refused', { ...who, reason: error.message, cause })
    throw unauthorized()
  }
}
