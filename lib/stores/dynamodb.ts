// DynamoDB document client; the endpoint comes from the SDK's own AWS_ENDPOINT_URL_DYNAMODB.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { config } from '../config.ts'

let client: DynamoDBDocumentClient | undefined

export function dynamoClient(): DynamoDBDocumentClient {
  client ??= DynamoDBDocumentClient.from(
    new DynamoDBClient({ region: config().AWS_REGION, maxAttempts: 3 }),
    { marshallOptions: { removeUndefinedValues: true } },
  )
  return client
}
