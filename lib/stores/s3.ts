// S3 client for presigning and object checks; the endpoint comes from AWS_ENDPOINT_URL_S3.
import { S3Client } from '@aws-sdk/client-s3'
import { config } from '../config.ts'

let client: S3Client | undefined

export function s3Client(): S3Client {
  client ??= new S3Client({
    region: config().AWS_REGION,
    forcePathStyle: config().S3_FORCE_PATH_STYLE,
    maxAttempts: 3,
  })
  return client
}
