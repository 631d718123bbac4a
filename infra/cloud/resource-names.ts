// Physical names of the stateful resources, fixed per stage so that both stacks, DEPLOY.md and people agree.
import { Aws } from 'aws-cdk-lib'

/** Bucket names are global: account and Region make this one unique (at most 61 characters). */
export function uploadsBucketName(stageName: string, account: string, region: string): string {
  return `chat-service-${stageName}-uploads-${account}-${region}`
}

export function resourceNames(stageName: string) {
  return {
    postgresInstance: `chat-service-${stageName}-postgres`,
    connectionsTable: `chat-service-${stageName}-connections`,
    uploadsBucket: uploadsBucketName(stageName, Aws.ACCOUNT_ID, Aws.REGION),
    secrets: {
      postgres: `chat-service/${stageName}/postgres`,
      mongo: `chat-service/${stageName}/mongo`,
      upstash: `chat-service/${stageName}/upstash`,
      jwtSigningKeys: `chat-service/${stageName}/jwt-signing-keys`,
      jwtPublicKeys: `chat-service/${stageName}/jwt-public-keys`,
      vapidKeys: `chat-service/${stageName}/vapid-keys`,
      oauthClients: `chat-service/${stageName}/oauth-clients`,
    },
  }
}
