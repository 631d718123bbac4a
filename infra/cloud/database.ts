// PostgreSQL on RDS in isolated subnets, reached only through RDS Proxy with TLS and generated credentials.
import { Duration, RemovalPolicy } from 'aws-cdk-lib'
import * as ec2 from 'aws-cdk-lib/aws-ec2'
import * as logs from 'aws-cdk-lib/aws-logs'
import * as rds from 'aws-cdk-lib/aws-rds'
import { Construct } from 'constructs'
import { acknowledge } from './nag.ts'
import { resourceNames } from './resource-names.ts'

export interface DatabaseProps {
  vpc: ec2.IVpc
  stageName: string
  instanceClass: string
  multiAz: boolean
  allocatedStorageGb: number
  backupRetentionDays: number
  deletionProtection: boolean
  /** Keeps the credentials secret when the stack goes, for the final snapshot it leaves. */
  retainSecret: boolean
  logRetentionDays: logs.RetentionDays
  retainLogs: boolean
}

/** The database name the migrations and every function use (lib/stores/postgres.ts reads it from the secret). */
export const databaseName = 'chat'

export class Database extends Construct {
  readonly instance: rds.DatabaseInstance
  readonly proxy: rds.DatabaseProxy
  /** `{ username, password, host, port, dbname, engine }`, generated at creation; never in an environment variable. */
  readonly secret: rds.DatabaseSecret
  /** Functions that use PostgreSQL join this group; only it may open connections to the proxy. */
  readonly clientSecurityGroup: ec2.SecurityGroup

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id)
    const engine = rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17 })

    this.clientSecurityGroup = new ec2.SecurityGroup(this, 'ClientSecurityGroup', {
      vpc: props.vpc,
      description: 'Functions that connect to PostgreSQL through RDS Proxy',
      allowAllOutbound: true,
    })

    const names = resourceNames(props.stageName)
    const instanceIdentifier = names.postgresInstance
    // Created here rather than by RDS so that it has a retention and is removed with the stack.
    const postgresLog = new logs.LogGroup(this, 'PostgresLog', {
      logGroupName: `/aws/rds/instance/${instanceIdentifier}/postgresql`,
      retention: props.logRetentionDays,
      removalPolicy: props.retainLogs ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    })

    this.secret = new rds.DatabaseSecret(this, 'Secret', {
      username: 'chat_admin',
      secretName: names.secrets.postgres,
    })
    this.secret.applyRemovalPolicy(props.retainSecret ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY)
    acknowledge(this.secret, {
      'AwsSolutions-SMG4':
        'rotation would change the password under functions that cache it for 5 minutes; rotate by hand (DEPLOY.md) until the proxy uses IAM auth',
    })

    this.instance = new rds.DatabaseInstance(this, 'Instance', {
      engine,
      instanceIdentifier,
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      instanceType: new ec2.InstanceType(props.instanceClass),
      databaseName,
      credentials: rds.Credentials.fromSecret(this.secret),
      // Stays 5432: functions connect to the proxy (always 5432) with the port the secret holds, the instance's.
      port: 5432,
      multiAz: props.multiAz,
      allocatedStorage: props.allocatedStorageGb,
      maxAllocatedStorage: props.allocatedStorageGb * 5,
      storageType: rds.StorageType.GP3,
      storageEncrypted: true,
      parameterGroup: new rds.ParameterGroup(this, 'Parameters', {
        engine,
        description: 'TLS only',
        parameters: { 'rds.force_ssl': '1' },
      }),
      backupRetention: Duration.days(props.backupRetentionDays),
      deletionProtection: props.deletionProtection,
      // Deleting the stack (once deletion protection is off) leaves a final snapshot behind.
      removalPolicy: RemovalPolicy.SNAPSHOT,
      autoMinorVersionUpgrade: true,
      cloudwatchLogsExports: ['postgresql'],
      enablePerformanceInsights: false,
      publiclyAccessible: false,
    })
    this.instance.node.addDependency(postgresLog)
    acknowledge(this.instance, {
      'AwsSolutions-RDS11':
        'RDS Proxy listens on 5432 whatever the instance port; both sit in security-group-locked private subnets',
      ...(props.deletionProtection
        ? {}
        : {
            'AwsSolutions-RDS10':
              'this stage is disposable (deletionProtection false in cdk.json); prod enables it',
          }),
      ...(props.multiAz
        ? {}
        : { 'AwsSolutions-RDS3': 'single-AZ keeps a non-production stage cheap; prod sets databaseMultiAz' }),
    })

    this.proxy = this.instance.addProxy('Proxy', {
      vpc: props.vpc,
      // The proxy fetches the credentials from Secrets Manager, so it sits where the NAT route is.
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      secrets: [this.instance.secret!],
      requireTLS: true,
      iamAuth: false,
      clientPasswordAuthType: rds.ClientPasswordAuthType.POSTGRES_SCRAM_SHA_256,
      // Longer than a warm Lambda keeps its one connection idle (lib/stores/postgres.ts idle_timeout 60 s).
      idleClientTimeout: Duration.minutes(5),
      maxConnectionsPercent: 90,
      debugLogging: false,
    })
    for (const proxySecurityGroup of this.proxy.connections.securityGroups) {
      proxySecurityGroup.addIngressRule(
        this.clientSecurityGroup,
        ec2.Port.tcp(5432),
        'PostgreSQL from the functions that use it',
      )
    }
    this.instance.connections.allowDefaultPortFrom(this.proxy, 'PostgreSQL from RDS Proxy only')
  }
}
