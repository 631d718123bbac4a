// The WebSocket API's @connections client, created once for the configured endpoint.
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi'
import { config } from '../config.ts'

let client: ApiGatewayManagementApiClient | undefined

export function wsManagementClient(): ApiGatewayManagementApiClient {
  client ??= new ApiGatewayManagementApiClient({
    region: config().AWS_REGION,
    endpoint: config().WS_MANAGEMENT_ENDPOINT,
    maxAttempts: 3,
  })
  return client
}
