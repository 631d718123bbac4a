// What a function may reach, derived from the stores it `uses`: environment, IAM grants and VPC placement.
import { ArnFormat, type CfnElement, Stack } from 'aws-cdk-lib'
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2'
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb'
import * as ec2 from 'aws-cdk-lib/aws-ec2'
import * as iam from 'aws-cdk-lib/aws-iam'
import type * as lambda from 'aws-cdk-lib/aws-lambda'
import * as s3 from 'aws-cdk-lib/aws-s3'
import type { Construct } from 'constructs'
import { connectionsTable } from '../resources.ts'
import type { FunctionSpec, Store } from '../routes.ts'
import { acknowledge, nagArn, vpcLambdaFindings } from './nag.ts'
import { resourceNames, uploadsBucketName } from './resource-names.ts'
import type { StageConfig } from './stage-config.ts'
import type { StatefulStack } from './stateful-stack.ts'

export interface StoresProps {
  stage: StageConfig
  stateful: StatefulStack
  webSocketStage: apigwv2.WebSocketStage
}

export class Stores {
  private readonly names: ReturnType<typeof resourceNames>
  /** Table and bucket by their fixed names, so grants name them and not a cross-stack token. */
  private readonly connectionsTable: dynamodb.ITable
  private readonly uploadsBucket: s3.IBucket

  constructor(
    scope: Construct,
    private readonly props: StoresProps,
  ) {
    this.names = resourceNames(props.stage.stageName)
    this.connectionsTable = dynamodb.Table.fromTableName(
      scope,
      'ConnectionsTable',
      this.names.connectionsTable,
    )
    this.uploadsBucket = s3.Bucket.fromBucketName(scope, 'UploadsBucket', this.names.uploadsBucket)
  }

  /**
   * The variables lib/config.ts reads, for a function of `spec`. A secret's ARN goes only to functions that use
   * its store: in AWS, naming a secret is reading it, so the environment says which secrets each function reads.
   */
  environment(spec: Pick<FunctionSpec, 'uses' | 'probes'>, options: { verifiesTokens: boolean }) {
    const { stage, stateful, webSocketStage } = this.props
    const secrets = stateful.secrets
    const byStore: Record<Store, Record<string, string>> = {
      postgres: {
        DATABASE_SECRET_ARN: stateful.database.secret.secretArn,
        DATABASE_HOST: stateful.database.proxy.endpoint,
        DATABASE_SSL: 'true',
      },
      mongo: { MONGO_SECRET_ARN: secrets.mongo.secretArn },
      redis: { UPSTASH_SECRET_ARN: secrets.upstash.secretArn },
      connections: { CONNECTIONS_TABLE: this.names.connectionsTable },
      uploads: { UPLOADS_BUCKET: this.names.uploadsBucket },
      notifications: { NOTIFICATIONS_QUEUE_URL: stateful.notifications.queue.queueUrl },
      delivery: { DELIVERY_QUEUE_URL: stateful.delivery.queue.queueUrl },
      wsManagement: { WS_MANAGEMENT_ENDPOINT: webSocketStage.callbackUrl },
      signingKey: { JWT_SIGNING_SECRET_ARN: secrets.jwtSigningKeys.secretArn },
      pushKeys: { VAPID_SECRET_ARN: secrets.vapidKeys.secretArn },
      mail: {
        MAIL_FROM: stateful.mail.from,
        SES_CONFIGURATION_SET: stateful.mail.configurationSetName,
        APP_URL: stage.appUrl ?? stage.allowedOrigins[0] ?? 'http://localhost:5173',
      },
      oauthClients: {
        OAUTH_SECRET_ARN: secrets.oauthClients.secretArn,
        OAUTH_REDIRECT_ALLOWLIST: stage.oauthRedirects.join(','),
      },
    }
    // Only its own stores' names: a function never learns of a resource it does not use.
    const stores = new Set([...spec.uses, ...(spec.probes ?? [])])
    return Object.assign(
      {
        STAGE: stage.stageName,
        ALLOWED_ORIGINS: stage.allowedOrigins.join(','),
        IDLE_TIMEOUT_MINUTES: String(stage.idleTimeoutMinutes),
        UPLOAD_MAX_BYTES: String(stage.uploadMaxBytes),
      },
      options.verifiesTokens ? { JWT_PUBLIC_KEYS_SECRET_ARN: secrets.jwtPublicKeys.secretArn } : {},
      ...[...stores].map((store) => byStore[store]),
    ) as Record<string, string>
  }

  /** PostgreSQL users run in the private subnets, in the one security group the proxy admits; others outside the VPC. */
  placement(uses: readonly Store[]): Pick<lambda.FunctionProps, 'vpc' | 'vpcSubnets' | 'securityGroups'> {
    if (!uses.includes('postgres')) return {}
    const { database, network } = this.props.stateful
    return {
      vpc: network.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [database.clientSecurityGroup],
    }
  }

  /**
   * Least privilege: each store in `uses` grants the calls its client makes (what `npm run check:iam` records),
   * a probed store the one read of its health probe, and the token keys follow who signs and who verifies.
   */
  grant(
    fn: lambda.Function,
    spec: Pick<FunctionSpec, 'uses' | 'probes'>,
    options: { verifiesTokens: boolean },
  ) {
    const { stateful, webSocketStage } = this.props
    const { partition, region, account } = nagArn
    const allow = (actions: string[], resources: string[]) =>
      fn.addToRolePolicy(new iam.PolicyStatement({ actions, resources }))
    // Powertools reads a secret with GetSecretValue alone.
    const readSecret = (secret: { secretArn: string }) =>
      allow(['secretsmanager:GetSecretValue'], [secret.secretArn])
    const table = this.connectionsTable.tableArn
    const byUserIndex = `${table}/index/${connectionsTable.byUserIndex.name}`
    const bucket = this.uploadsBucket.bucketArn
    const queue = stateful.notifications.queue.queueArn
    const grants: Record<Store, () => void> = {
      postgres: () => {
        readSecret(stateful.database.secret)
        acknowledge(fn, vpcLambdaFindings)
      },
      mongo: () => readSecret(stateful.secrets.mongo),
      redis: () => readSecret(stateful.secrets.upstash),
      connections: () => {
        // Connection items and each user's set of ids (written with UpdateItem, read 100 users a BatchGetItem).
        allow(
          ['dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:UpdateItem', 'dynamodb:BatchGetItem'],
          [table],
        )
        // A user's connections with their sessions come from the index: a grant on the table alone does not reach it.
        allow(['dynamodb:Query'], [byUserIndex])
      },
      uploads: () => {
        // Presigned POST (with its pending tag) writes; presigned GET, attachment checks and retagging read and
        // tag; ListBucket makes a missing key answer 404 (NoSuchKey) rather than 403. Nothing deletes.
        allow(
          ['s3:GetObject', 's3:PutObject', 's3:GetObjectTagging', 's3:PutObjectTagging'],
          [this.uploadsBucket.arnForObjects('*')],
        )
        allow(['s3:ListBucket'], [bucket])
        const bucketArn = `arn:${partition}:s3:::${uploadsBucketName(this.props.stage.stageName, account, region)}`
        acknowledge(fn, {
          [`AwsSolutions-IAM5[Resource::${bucketArn}/*]`]:
            'object keys are made per upload at run time; the handler keeps each user under their own prefix',
        })
      },
      notifications: () => allow(['sqs:SendMessage'], [queue]),
      delivery: () => allow(['sqs:SendMessage'], [stateful.delivery.queue.queueArn]),
      wsManagement: () => {
        webSocketStage.grantManagementApiAccess(fn)
        const api = webSocketStage.api.node.defaultChild as CfnElement
        const apiId = Stack.of(api).resolve(Stack.of(api).getLogicalId(api))
        acknowledge(fn, {
          [`AwsSolutions-IAM5[Resource::arn:${partition}:execute-api:${region}:${account}:<${apiId}>/${webSocketStage.stageName}/*/@connections/*]`]:
            "connection ids exist only at run time; the grant is limited to this stage's @connections",
        })
      },
      signingKey: () => readSecret(stateful.secrets.jwtSigningKeys),
      pushKeys: () => readSecret(stateful.secrets.vapidKeys),
      mail: () => {
        // SES v2 SendEmail authorises on the identity and the configuration set; the condition pins the sender.
        const { mail } = stateful
        fn.addToRolePolicy(
          new iam.PolicyStatement({
            actions: ['ses:SendEmail'],
            resources: [
              ['identity', mail.identityName],
              ['configuration-set', mail.configurationSetName],
            ].map(([resource, resourceName]) =>
              Stack.of(fn).formatArn({
                service: 'ses',
                resource: resource as string,
                resourceName: resourceName as string,
                arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
              }),
            ),
            conditions: { StringEquals: { 'ses:FromAddress': mail.from } },
          }),
        )
      },
      oauthClients: () => readSecret(stateful.secrets.oauthClients),
    }
    /** What a health probe of each store calls (lib/health/probes.ts); stores without a probe grant nothing. */
    const probes: Partial<Record<Store, () => void>> = {
      connections: () => allow(['dynamodb:GetItem'], [table]),
      uploads: () => allow(['s3:ListBucket'], [bucket]),
      notifications: () => allow(['sqs:GetQueueAttributes'], [queue]),
    }
    for (const store of new Set(spec.uses)) grants[store]()
    for (const store of new Set(spec.probes ?? [])) {
      const probe = probes[store]
      if (!probe) throw new Error(`no health probe grant for store ${store}`)
      probe()
    }
    if (options.verifiesTokens) readSecret(stateful.secrets.jwtPublicKeys)
  }
}
