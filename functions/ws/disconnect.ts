// $disconnect: forgets the connection and, when it was the user's last, tells their friends they went offline.
import type { APIGatewayProxyResultV2 } from 'aws-lambda'
import { connectionDeps, endConnection } from '../../lib/connections/lifecycle.ts'
import { callerIdOf, type WsEvent } from '../../lib/ws/handler.ts'

export function createDisconnectHandler(deps = connectionDeps) {
  return async (event: WsEvent): Promise<APIGatewayProxyResultV2> => {
    await endConnection(await deps(), {
      connectionId: event.requestContext.connectionId,
      userId: callerIdOf(event),
    })
    return { statusCode: 200 }
  }
}

export const handler = createDisconnectHandler()
