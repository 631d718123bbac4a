// The real probes for each store, built on the shared store clients.

import { HeadBucketCommand } from '@aws-sdk/client-s3'
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs'
import { GetCommand } from '@aws-sdk/lib-dynamodb'
import { requireSetting } from '../config.ts'
import { dynamoClient } from '../stores/dynamodb.ts'
import { mongoDb } from '../stores/mongo.ts'
import { postgresClient } from '../stores/postgres.ts'
import { redisClient } from '../stores/redis.ts'
import { s3Client } from '../stores/s3.ts'
import { sqsClient } from '../stores/sqs.ts'
import type { Probe, StoreName } from './stores.ts'

export function storeProbes(): Record<StoreName, Probe> {
  const named = (name: 'CONNECTIONS_TABLE' | 'UPLOADS_BUCKET' | 'NOTIFICATIONS_QUEUE_URL') =>
    requireSetting(name, 'required to probe its store')
  return {
    postgres: async () => (await postgresClient())`select 1`,
    mongo: async () => (await mongoDb()).command({ ping: 1 }),
    redis: async () => (await redisClient()).ping(),
    dynamodb: () =>
      dynamoClient().send(
        new GetCommand({ TableName: named('CONNECTIONS_TABLE'), Key: { connectionId: 'health-probe' } }),
      ),
    s3: () => s3Client().send(new HeadBucketCommand({ Bucket: named('UPLOADS_BUCKET') })),
    sqs: () =>
      sqsClient().send(
        new GetQueueAttributesCommand({
          QueueUrl: named('NOTIFICATIONS_QUEUE_URL'),
          AttributeNames: ['QueueArn'],
        }),
      ),
  }
}
