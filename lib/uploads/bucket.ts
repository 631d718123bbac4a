// The uploads bucket's rules that both the code and the CDK stack follow.

export const uploadsBucket = {
  /** Presigned URLs live this long; SECURITY.md asks for at most 5 minutes. */
  presignSeconds: 300,
  /** Uploads never referenced by a message are removed after this many days. */
  abandonedUploadDays: 7,
  /**
   * The object tag an upload carries until a message references it (set through the presigned POST's
   * `tagging` field, removed or changed when attached); the bucket's lifecycle rule expires objects
   * still carrying it after `abandonedUploadDays`.
   */
  pendingTag: { key: 'upload-status', value: 'pending' },
} as const
