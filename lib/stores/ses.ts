// SES v2 client for account mail; the endpoint comes from AWS_ENDPOINT_URL_SESV2 when one is set.
import { SESv2Client } from '@aws-sdk/client-sesv2'
import { config } from '../config.ts'

let client: SESv2Client | undefined

export function sesClient(): SESv2Client {
  client ??= new SESv2Client({ region: config().AWS_REGION, maxAttempts: 3 })
  return client
}
