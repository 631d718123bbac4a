// SQS client for notification jobs; the endpoint comes from AWS_ENDPOINT_URL_SQS.
import { SQSClient } from '@aws-sdk/client-sqs'
import { config } from '../config.ts'

let client: SQSClient | undefined

export function sqsClient(): SQSClient {
  client ??= new SQSClient({ region: config().AWS_REGION, maxAttempts: 3 })
  return client
}
