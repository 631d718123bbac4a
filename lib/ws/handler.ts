// The wrapper every WebSocket route shares: it runs the route and turns failures into `error` frames.
import type { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi'
import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2, Context } from 'aws-lambda'
import { isAppError } from '../errors.ts'
import { logger } from '../log.ts'
import { type Frame, postFrame } from './frames.ts'

export type WsEvent = APIGatewayProxyWebsocketEventV2
export type WsResult = APIGatewayProxyResultV2

export interface WsRouteContext {
  connectionId: string
  /** Sends a frame to the calling connection. */
  reply(frame: Frame): Promise<void>
}

export type WsRoute = (event: WsEvent, ctx: WsRouteContext, lambda: Context) => Promise<void>

/** The `action` of the frame, when its body is a JSON object that names one. */
function actionOf(event: WsEvent): string | undefined {
  try {
    const body: unknown = JSON.parse(event.body ?? '')
    if (typeof body === 'object' && body !== null && 'action' in body && typeof body.action === 'string') {
      return body.action.slice(0, 64)
    }
  } catch {}
  return undefined
}

export function wsHandler(management: () => ApiGatewayManagementApiClient, route: WsRoute) {
  return async (event: WsEvent, lambda: Context): Promise<WsResult> => {
    const connectionId = event.requestContext.connectionId
    const reply = async (frame: Frame) => {
      await postFrame(management(), connectionId, frame)
    }
    try {
      await route(event, { connectionId, reply }, lambda)
    } catch (error) {
      const known = isAppError(error)
      if (!known || error.status >= 500)
        logger.error('websocket route failed', { error: error as Error, connectionId })
      await reply({
        type: 'error',
        code: known ? error.code : 'internal',
        message: known ? error.message : 'The frame could not be served.',
        action: actionOf(event) ?? event.requestContext.routeKey,
      }).catch((sendError: unknown) =>
        logger.warn('error frame not delivered', { error: sendError as Error }),
      )
    }
    return { statusCode: 200 }
  }
}
