// $connect: records the connection the authorizer let in and tells the user's friends they are online.
import type { APIGatewayProxyResultV2 } from 'aws-lambda'
import { connectionDeps, openConnection } from '../../lib/connections/lifecycle.ts'
import { UnauthorizedError } from '../../lib/errors.ts'
import { logger } from '../../lib/log.ts'
import { callerIdOf, sessionIdOf, type WsEvent } from '../../lib/ws/handler.ts'

export function createConnectHandler(deps = connectionDeps) {
  return async (event: WsEvent): Promise<APIGatewayProxyResultV2> => {
    const userId = callerIdOf(event)
    // Only reachable without an authorizer, which the route table never allows; refuse rather than record nobody.
    if (!userId) {
      logger.error('$connect without an authorized user', { connectionId: event.requestContext.connectionId })
      return { statusCode: 403 }
    }
    const connectionId = event.requestContext.connectionId
    try {
      await openConnection(await deps(), { connectionId, userId, sessionId: sessionIdOf(event) })
    } catch (error) {
      if (!(error instanceof UnauthorizedError)) throw error
      logger.warn('$connect refused', { connectionId, userId, reason: error.message })
      return { statusCode: 401 }
    }
    return { statusCode: 200 }
  }
}

export const handler = createConnectHandler()
