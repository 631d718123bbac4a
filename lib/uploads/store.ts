// Where uploads live and how large they may be: the bucket and limit from configuration, with the S3 client.
import type { S3Client } from '@aws-sdk/client-s3'
import { config, requireSetting } from '../config.ts'
import { s3Client } from '../stores/s3.ts'

export interface UploadStore {
  s3: S3Client
  bucket: string
  maxBytes: number
}

/** The configured bucket; `s3` defaults to the process's shared client. */
export function uploadStore(s3: S3Client = s3Client()): UploadStore {
  return {
    s3,
    bucket: requireSetting('UPLOADS_BUCKET', 'required to store uploads'),
    maxBytes: config().UPLOAD_MAX_BYTES,
  }
}
