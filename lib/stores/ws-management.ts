// The WebSocket API's @connections client, created once for the configured endpoint.
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi'
import { ConfigError, config } from '../config.ts'

let client: ApiGatewayManagementApiClient | undefined

export function wsManagementClient(): ApiGatewayManagementApiClient {
  const { AWS_REGION, WS_MANAGEMENT_ENDPOINT } = config()
  // Only functions that send frames need the endpoint, so it is checked here rather than for every function.
  if (!WS_MANAGEMENT_ENDPOINT)
    throw new ConfigError('Invalid configuration: WS_MANAGEMENT_ENDPOINT: required to send frames')
  client ??= new ApiGatewayManagementApiClient({
    region: AWS_REGION,
    endpoint: WS_MANAGEMENT_ENDPOINT,
    maxAttempts: 3,
    // Fan-out posts once per recipient: its middleware resolved once per command, not at every post (~15% less
    // CPU a call, measured locally). The DynamoDB document client refuses this option.
    cacheMiddleware: true,
  })
  return client
}
