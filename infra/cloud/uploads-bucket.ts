// Uploaded files: private, TLS-only, encrypted, written by presigned POST from the allowed origins.
import { Duration, RemovalPolicy } from 'aws-cdk-lib'
import * as s3 from 'aws-cdk-lib/aws-s3'
import { Construct } from 'constructs'
import { uploadsBucket } from '../resources.ts'
import { resourceNames } from './resource-names.ts'

export interface UploadsBucketProps {
  stageName: string
  allowedOrigins: readonly string[]
  /** Keeps the files (and their access logs) when the stack is deleted. */
  retain: boolean
}

export class UploadsBucket extends Construct {
  readonly bucket: s3.Bucket
  readonly accessLogs: s3.Bucket

  constructor(scope: Construct, id: string, props: UploadsBucketProps) {
    super(scope, id)
    const removal = props.retain
      ? { removalPolicy: RemovalPolicy.RETAIN }
      : { removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true }

    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // Server access logging can only deliver to SSE-S3 buckets.
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      ...removal,
    })

    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: resourceNames(props.stageName).uploadsBucket,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'uploads/',
      cors:
        props.allowedOrigins.length > 0
          ? [
              {
                allowedOrigins: [...props.allowedOrigins],
                allowedMethods: [s3.HttpMethods.POST, s3.HttpMethods.GET],
                allowedHeaders: ['*'],
                exposedHeaders: ['ETag'],
                maxAge: 3000,
              },
            ]
          : undefined,
      lifecycleRules: [
        {
          id: 'expire-abandoned-uploads',
          tagFilters: { [uploadsBucket.pendingTag.key]: uploadsBucket.pendingTag.value },
          expiration: Duration.days(uploadsBucket.abandonedUploadDays),
        },
        { id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      ...removal,
    })
  }
}
