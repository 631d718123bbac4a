// What a function may reach, derived from the stores it `uses`: environment, IAM grants and VPC placement.
import { type CfnElement, Stack } from 'aws-cdk-lib'
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2'
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb'
import * as ec2 from 'aws-cdk-lib/aws-ec2'
import type * as lambda from 'aws-cdk-lib/aws-lambda'
import * as s3 from 'aws-cdk-lib/aws-s3'
import type { Construct } from 'constructs'
import type { Store } from '../routes.ts'
import { acknowledge, nagArn, vpcLambdaFindings } from './nag.ts'
import { resourceNames, uploadsBucketName } from './resource-names.ts'
import type { StageConfig } from './stage-config.ts'
import type { StatefulStack } from './stateful-stack.ts'

const allStores: readonly Store[] = [
  'postgres',
  'mongo',
  'redis',
  'connections',
  'uploads',
  'notifications',
  'wsManagement',
]

/**
 * Whose settings every function receives. lib/config.ts still requires every store's setting in every
 * function, so all of them for now (names, endpoints and secret ARNs only, never a credential); once it
 * checks only the stores in use, return `uses` here. Grants and placement already follow `uses`.
 */
function environmentStores(_uses: readonly Store[]): readonly Store[] {
  return allStores
}

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

  /** The variables lib/config.ts reads, for a function that uses `uses`. */
  environment(uses: readonly Store[]): Record<string, string> {
    const { stage, stateful, webSocketStage } = this.props
    const byStore: Record<Store, Record<string, string>> = {
      postgres: {
        DATABASE_SECRET_ARN: stateful.database.secret.secretArn,
        DATABASE_HOST: stateful.database.proxy.endpoint,
        DATABASE_SSL: 'true',
      },
      mongo: { MONGO_SECRET_ARN: stateful.secrets.mongo.secretArn },
      redis: { UPSTASH_SECRET_ARN: stateful.secrets.upstash.secretArn },
      connections: { CONNECTIONS_TABLE: this.names.connectionsTable },
      uploads: { UPLOADS_BUCKET: this.names.uploadsBucket },
      notifications: { NOTIFICATIONS_QUEUE_URL: stateful.notifications.queue.queueUrl },
      wsManagement: { WS_MANAGEMENT_ENDPOINT: webSocketStage.callbackUrl },
    }
    return Object.assign(
      {
        STAGE: stage.stageName,
        ALLOWED_ORIGINS: stage.allowedOrigins.join(','),
        IDLE_TIMEOUT_MINUTES: String(stage.idleTimeoutMinutes),
        UPLOAD_MAX_BYTES: String(stage.uploadMaxBytes),
        JWT_SECRET_ARN: stateful.secrets.jwtSigningKeys.secretArn,
        NODE_OPTIONS: '--enable-source-maps',
      },
      ...environmentStores(uses).map((store) => byStore[store]),
    )
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

  /** Least privilege: each store in `uses` grants only what its client calls. */
  grant(fn: lambda.Function, uses: readonly Store[], options: { verifiesTokens: boolean }): void {
    const { stateful, webSocketStage } = this.props
    const { partition, region, account } = nagArn
    const grants: Record<Store, () => void> = {
      postgres: () => {
        stateful.database.secret.grantRead(fn)
        acknowledge(fn, vpcLambdaFindings)
      },
      mongo: () => stateful.secrets.mongo.grantRead(fn),
      redis: () => stateful.secrets.upstash.grantRead(fn),
      connections: () => {
        this.connectionsTable.grantReadWriteData(fn)
        acknowledge(fn, {
          [`AwsSolutions-IAM5[Resource::arn:${partition}:dynamodb:${region}:${account}:table/${this.names.connectionsTable}/index/*]`]:
            "the table's own indexes (connections by user); CDK's table grant names them by wildcard",
        })
      },
      uploads: () => {
        // Presigned GET and object checks read; presigned POST (with its pending tag) writes; nothing deletes.
        this.uploadsBucket.grantRead(fn)
        this.uploadsBucket.grantPut(fn)
        const bucketArn = `arn:${partition}:s3:::${uploadsBucketName(this.props.stage.stageName, account, region)}`
        acknowledge(fn, {
          'AwsSolutions-IAM5[Action::s3:GetObject*]':
            'S3 read grant: GetObject with its version and tagging reads',
          'AwsSolutions-IAM5[Action::s3:GetBucket*]':
            'S3 read grant: bucket location and settings the SDK reads',
          'AwsSolutions-IAM5[Action::s3:List*]':
            'S3 read grant: listing lets a missing upload answer 404, not 403',
          'AwsSolutions-IAM5[Action::s3:Abort*]':
            'S3 put grant: aborting a failed multipart upload of its own',
          [`AwsSolutions-IAM5[Resource::${bucketArn}/*]`]:
            'object keys are made per upload at run time; the handler keeps each user under their own prefix',
        })
      },
      notifications: () => stateful.notifications.queue.grantSendMessages(fn),
      wsManagement: () => {
        webSocketStage.grantManagementApiAccess(fn)
        const api = webSocketStage.api.node.defaultChild as CfnElement
        const apiId = Stack.of(api).resolve(Stack.of(api).getLogicalId(api))
        acknowledge(fn, {
          [`AwsSolutions-IAM5[Resource::arn:${partition}:execute-api:${region}:${account}:<${apiId}>/${webSocketStage.stageName}/*/@connections/*]`]:
            "connection ids exist only at run time; the grant is limited to this stage's @connections",
        })
      },
    }
    for (const store of new Set(uses)) grants[store]()
    if (options.verifiesTokens) stateful.secrets.jwtSigningKeys.grantRead(fn)
  }
}
