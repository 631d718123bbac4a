// The wrapper every WebSocket route shares: the frame counts as activity, failures become `error` frames.
import type { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi'
import type { Redis } from '@upstash/redis'
import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2, Context } from 'aws-lambda'
import { isAppError, UnauthorizedError } from '../errors.ts'
import { logger } from '../log.ts'
import { redisClient } from '../stores/redis.ts'
import { touchActivity } from './activity.ts'
import { type Frame, postFrame } from './frames.ts'

export type WsEvent = APIGatewayProxyWebsocketEventV2
export type WsResult = APIGatewayProxyResultV2

export interface WsRouteContext {
  connectionId: string
  /** The caller, as the $connect authorizer verified it; a route reading it without one gets an `error` frame. */
  readonly userId: string
  /** Sends a frame to the calling connection. */
  reply(frame: Frame): Promise<void>
}

export type WsRoute = (event: WsEvent, ctx: WsRouteContext, lambda: Context) => Promise<void>

/** The `action` and `clientMsgId` of the frame, when its body is a JSON object naming them: an error frame echoes both. */
function factsOf(event: WsEvent): { action?: string; clientMsgId?: string } {
  try {
    const body: unknown = JSON.parse(event.body ?? '')
    if (typeof body !== 'object' || body === null) return {}
    const action: unknown = Reflect.get(body, 'action')
    const clientMsgId: unknown = Reflect.get(body, 'clientMsgId')
    return {
      ...(typeof action === 'string' && { action: action.slice(0, 64) }),
      ...(typeof clientMsgId === 'string' && { clientMsgId: clientMsgId.slice(0, 100) }),
    }
  } catch {
    return {}
  }
}

/** The user id the authorizer put in the context, which API Gateway hands to every later event of the connection. */
export function callerIdOf(event: WsEvent): string | undefined {
  const authorizer: unknown = Reflect.get(event.requestContext, 'authorizer')
  const userId =
    typeof authorizer === 'object' && authorizer !== null ? Reflect.get(authorizer, 'userId') : undefined
  return typeof userId === 'string' && userId.length > 0 ? userId : undefined
}

export interface WsHandlerOptions {
  /** Where activity is counted; the shared Upstash client unless a test brings another. */
  redis?: () => Promise<Redis>
}

async function countActivity(redis: () => Promise<Redis>, connectionId: string) {
  try {
    await touchActivity(await redis(), connectionId)
  } catch (error) {
    // A frame is served even when Redis is not; the connection only risks looking idle a little early.
    logger.warn('activity not recorded', { error: error as Error, connectionId })
  }
}

export function wsHandler(
  management: () => ApiGatewayManagementApiClient,
  route: WsRoute,
  options: WsHandlerOptions = {},
) {
  const redis = options.redis ?? redisClient
  return async (event: WsEvent, lambda: Context): Promise<WsResult> => {
    const connectionId = event.requestContext.connectionId
    const reply = async (frame: Frame) => {
      await postFrame(management(), connectionId, frame)
    }
    const callerId = callerIdOf(event)
    const ctx: WsRouteContext = {
      connectionId,
      reply,
      get userId() {
        if (callerId === undefined) throw new UnauthorizedError('The connection carries no verified user.')
        return callerId
      },
    }
    const activity = countActivity(redis, connectionId)
    try {
      await route(event, ctx, lambda)
    } catch (error) {
      const known = isAppError(error)
      if (!known || error.status >= 500)
        logger.error('websocket route failed', { error: error as Error, connectionId })
      const facts = factsOf(event)
      await reply({
        type: 'error',
        code: known ? error.code : 'internal',
        message: known ? error.message : 'The frame could not be served.',
        action: facts.action ?? event.requestContext.routeKey,
        ...(facts.clientMsgId !== undefined && { clientMsgId: facts.clientMsgId }),
      }).catch((sendError: unknown) =>
        logger.warn('error frame not delivered', { error: sendError as Error }),
      )
    }
    await activity
    return { statusCode: 200 }
  }
}
