import { Match, type Template } from 'aws-cdk-lib/assertions'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { connectionsTable, notificationQueue, uploadsBucket } from '../../infra/resources.ts'
import { logicalIds, removeSynthOutputs, synth } from './synth.ts'

afterAll(removeSynthOutputs)

let dev: Template
let prod: Template

beforeAll(() => {
  dev = synth({ stage: 'dev' }).statefulTemplate
  prod = synth({ stage: 'prod' }).statefulTemplate
})

const subnetsOfType = (template: Template, type: 'Public' | 'Private' | 'Isolated') =>
  logicalIds(template, 'AWS::EC2::Subnet', {
    Properties: { Tags: Match.arrayWith([{ Key: 'aws-cdk:subnet-type', Value: type }]) },
  })
const refsTo = (ids: string[]) => ids.map((id) => ({ Ref: id }))

describe('network', () => {
  test('public, private and isolated subnets in two AZs', () => {
    expect(subnetsOfType(dev, 'Public')).toHaveLength(2)
    expect(subnetsOfType(dev, 'Private')).toHaveLength(2)
    expect(subnetsOfType(dev, 'Isolated')).toHaveLength(2)
  })

  test('NAT gateways follow the stage setting', () => {
    dev.resourceCountIs('AWS::EC2::NatGateway', 1)
    prod.resourceCountIs('AWS::EC2::NatGateway', 2)
  })

  test.each(['s3', 'dynamodb'])('a gateway endpoint for %s', (service) => {
    dev.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway',
      ServiceName: { 'Fn::Join': ['', Match.arrayWith([`.${service}`])] },
    })
  })

  test('rejected traffic is logged', () => {
    dev.hasResourceProperties('AWS::EC2::FlowLog', {
      TrafficType: 'REJECT',
      LogDestinationType: 'cloud-watch-logs',
    })
  })
})

describe('PostgreSQL', () => {
  test('the instance sits in the isolated subnets, encrypted, private, TLS-only', () => {
    dev.hasResourceProperties('AWS::RDS::DBSubnetGroup', {
      SubnetIds: Match.arrayEquals(refsTo(subnetsOfType(dev, 'Isolated'))),
    })
    dev.hasResourceProperties('AWS::RDS::DBInstance', {
      Engine: 'postgres',
      StorageEncrypted: true,
      PubliclyAccessible: false,
      DBName: 'chat',
    })
    dev.hasResourceProperties('AWS::RDS::DBParameterGroup', { Parameters: { 'rds.force_ssl': '1' } })
  })

  test('the password is generated into Secrets Manager and only resolved by CloudFormation', () => {
    dev.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'chat-service/dev/postgres',
      GenerateSecretString: Match.objectLike({ GenerateStringKey: 'password' }),
    })
    dev.hasResourceProperties('AWS::RDS::DBInstance', {
      MasterUserPassword: { 'Fn::Join': ['', Match.arrayWith(['{{resolve:secretsmanager:'])] },
    })
  })

  test('deletion protection and Multi-AZ follow the stage', () => {
    dev.hasResourceProperties('AWS::RDS::DBInstance', { DeletionProtection: false, MultiAZ: false })
    prod.hasResourceProperties('AWS::RDS::DBInstance', { DeletionProtection: true, MultiAZ: true })
    prod.hasResource('AWS::RDS::DBInstance', { DeletionPolicy: 'Snapshot', UpdateReplacePolicy: 'Snapshot' })
    // The final snapshot's credentials outlive the stack in prod.
    prod.hasResource('AWS::SecretsManager::Secret', {
      Properties: { Name: 'chat-service/prod/postgres' },
      DeletionPolicy: 'Retain',
    })
  })

  test('RDS Proxy requires TLS, authenticates with the generated secret, and sits in private subnets', () => {
    dev.hasResourceProperties('AWS::RDS::DBProxy', {
      EngineFamily: 'POSTGRESQL',
      RequireTLS: true,
      Auth: [Match.objectLike({ AuthScheme: 'SECRETS', ClientPasswordAuthType: 'POSTGRES_SCRAM_SHA_256' })],
      VpcSubnetIds: Match.arrayEquals(refsTo(subnetsOfType(dev, 'Private'))),
    })
  })

  test('only the client security group reaches the proxy, and only the proxy reaches the instance', () => {
    const [clientGroup] = logicalIds(dev, 'AWS::EC2::SecurityGroup', {
      Properties: { GroupDescription: Match.stringLikeRegexp('through RDS Proxy') },
    })
    const [proxyGroup] = logicalIds(dev, 'AWS::EC2::SecurityGroup', {
      Properties: { GroupDescription: 'SecurityGroup for Database Proxy' },
    })
    const ingress = Object.values(dev.findResources('AWS::EC2::SecurityGroupIngress')).map(
      (r) => r.Properties,
    )
    expect(ingress).toContainEqual(
      expect.objectContaining({
        GroupId: { 'Fn::GetAtt': [proxyGroup, 'GroupId'] },
        SourceSecurityGroupId: { 'Fn::GetAtt': [clientGroup, 'GroupId'] },
        FromPort: 5432,
        ToPort: 5432,
      }),
    )
    for (const rule of ingress) expect(rule).not.toHaveProperty('CidrIp')
  })
})

describe('connections table', () => {
  test('on demand, TTL, point-in-time recovery, and the by-user index', () => {
    dev.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: connectionsTable.partitionKey, KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: connectionsTable.ttlAttribute, Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      GlobalSecondaryIndexes: [
        Match.objectLike({
          IndexName: connectionsTable.byUserIndex.name,
          KeySchema: [
            { AttributeName: connectionsTable.byUserIndex.partitionKey, KeyType: 'HASH' },
            { AttributeName: connectionsTable.byUserIndex.sortKey, KeyType: 'RANGE' },
          ],
          // Revocation reads a user's connections with their sessions: the index carries those and nothing else.
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['sessionId'] },
        }),
      ],
    })
  })
})

describe('notification queue', () => {
  test(`jobs move to the dead-letter queue after ${notificationQueue.maxReceiveCount} receives`, () => {
    const [deadLetter] = logicalIds(dev, 'AWS::SQS::Queue', { Properties: { RedrivePolicy: Match.absent() } })
    dev.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [deadLetter, 'Arn'] }, maxReceiveCount: 5 },
      VisibilityTimeout: notificationQueue.visibilityTimeoutSeconds,
    })
  })

  test('every queue (notifications, delivery, and their dead letters) is encrypted and refuses requests without TLS', () => {
    const queues = logicalIds(dev, 'AWS::SQS::Queue', { Properties: { SqsManagedSseEnabled: true } })
    expect(queues).toHaveLength(4)
    for (const queue of queues) {
      dev.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queue }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      })
    }
  })
})

describe('uploads bucket', () => {
  const uploads = () =>
    logicalIds(dev, 'AWS::S3::Bucket', { Properties: { CorsConfiguration: Match.anyValue() } })

  test('all public access blocked, encrypted, server access logged', () => {
    expect(uploads()).toHaveLength(1)
    dev.hasResourceProperties('AWS::S3::Bucket', {
      CorsConfiguration: Match.anyValue(),
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: { ServerSideEncryptionConfiguration: [Match.objectLike({})] },
      LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: 'uploads/' },
    })
  })

  test('TLS only', () => {
    dev.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: uploads()[0] },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    })
  })

  test('CORS lets the allowed origins POST and GET', () => {
    dev.hasResourceProperties('AWS::S3::Bucket', {
      CorsConfiguration: {
        CorsRules: [
          Match.objectLike({
            AllowedOrigins: ['http://localhost:5173'],
            AllowedMethods: Match.arrayEquals(['POST', 'GET']),
          }),
        ],
      },
    })
    prod.hasResourceProperties('AWS::S3::Bucket', {
      CorsConfiguration: { CorsRules: [Match.objectLike({ AllowedOrigins: ['https://chat.example.com'] })] },
    })
  })

  test('abandoned uploads expire and incomplete multipart uploads are aborted', () => {
    dev.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            TagFilters: [{ Key: uploadsBucket.pendingTag.key, Value: uploadsBucket.pendingTag.value }],
            ExpirationInDays: uploadsBucket.abandonedUploadDays,
            Status: 'Enabled',
          }),
          Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' }),
        ]),
      },
    })
  })

  test('prod keeps the files when the stack goes; dev empties and removes the bucket', () => {
    prod.hasResource('AWS::S3::Bucket', {
      Properties: { CorsConfiguration: Match.anyValue() },
      DeletionPolicy: 'Retain',
    })
    dev.hasResource('AWS::S3::Bucket', {
      Properties: { CorsConfiguration: Match.anyValue() },
      DeletionPolicy: 'Delete',
    })
  })
})

describe('service secrets', () => {
  test.each([
    ['chat-service/dev/mongo', '{"url":""}'],
    ['chat-service/dev/upstash', '{"url":"","token":""}'],
    ['chat-service/dev/vapid-keys', '{"publicKey":"","privateKey":"","subject":""}'],
  ])('%s is a placeholder for the team to fill', (name, template) => {
    dev.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: name,
      GenerateSecretString: Match.objectLike({ SecretStringTemplate: template }),
      SecretString: Match.absent(),
    })
  })

  test('the JWT signing keys are generated by their rotation function, every 30 days and at creation', () => {
    const [secret] = logicalIds(dev, 'AWS::SecretsManager::Secret', {
      Properties: { Name: 'chat-service/dev/jwt-signing-keys' },
    })
    dev.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      SecretId: { Ref: secret },
      RotateImmediatelyOnUpdate: true,
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
      RotationLambdaARN: { 'Fn::GetAtt': [Match.stringLikeRegexp('JwtSigningKeysRotation'), 'Arn'] },
    })
  })

  test('each rotation writes the public keys to their own secret, the only other secret its function may write', () => {
    const [publicKeys] = logicalIds(dev, 'AWS::SecretsManager::Secret', {
      Properties: { Name: 'chat-service/dev/jwt-public-keys' },
    })
    expect(publicKeys).toBeDefined()
    dev.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'chat-service/dev/jwt-public-keys',
      GenerateSecretString: Match.objectLike({ SecretStringTemplate: '{"keys":[]}' }),
    })
    dev.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { PUBLIC_KEYS_SECRET_ARN: { Ref: publicKeys } } },
    })
    dev.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: Match.arrayWith(['secretsmanager:PutSecretValue']),
            Effect: 'Allow',
            Resource: { Ref: publicKeys },
          }),
        ]),
      },
      Roles: [{ Ref: Match.stringLikeRegexp('JwtSigningKeysRotationFunctionServiceRole') }],
    })
  })

  test('no secret value is written into the template', () => {
    dev.allResourcesProperties('AWS::SecretsManager::Secret', { SecretString: Match.absent() })
  })
})

describe('logs', () => {
  test('prod keeps every log group when the stack goes (retainOnDelete); dev removes them', () => {
    for (const group of Object.values(prod.findResources('AWS::Logs::LogGroup')))
      expect(group).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' })
    for (const group of Object.values(dev.findResources('AWS::Logs::LogGroup')))
      expect(group).toMatchObject({ DeletionPolicy: 'Delete' })
  })
})

describe('account mail', () => {
  test('an SES identity for the sending address, under a configuration set that suppresses bounces', () => {
    dev.hasResourceProperties('AWS::SES::ConfigurationSet', {
      Name: 'chat-service-dev',
      SuppressionOptions: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
      DeliveryOptions: { TlsPolicy: 'REQUIRE' },
    })
    dev.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: 'no-reply@example.com',
      ConfigurationSetAttributes: { ConfigurationSetName: Match.anyValue() },
    })
  })

  test('a domain identity, DKIM-signed, when the stage names a mail domain', () => {
    const template = synth({
      stage: 'dev',
      settings: { mailDomain: 'chat.example.org', mailFrom: 'hello@chat.example.org' },
    }).statefulTemplate
    template.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: 'chat.example.org' })
  })

  test('a secret for the sign-in providers, filled by the team', () => {
    dev.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'chat-service/dev/oauth-clients',
      GenerateSecretString: Match.objectLike({ SecretStringTemplate: Match.stringLikeRegexp('"github"') }),
    })
  })
})
