// The stack that holds data: network, PostgreSQL, connections table, job queues, uploads bucket, mail, secrets.
import { Stack, type StackProps } from 'aws-cdk-lib'
import type { Construct } from 'constructs'
import { deliveryQueue, notificationQueue } from '../resources.ts'
import { ConnectionsTable } from './connections-table.ts'
import { Database } from './database.ts'
import { JobQueue } from './job-queue.ts'
import { MailIdentity } from './mail-identity.ts'
import { Network } from './network.ts'
import { ServiceSecrets } from './secrets.ts'
import type { StageConfig } from './stage-config.ts'
import { UploadsBucket } from './uploads-bucket.ts'

export interface StatefulStackProps extends StackProps {
  stage: StageConfig
}

export class StatefulStack extends Stack {
  readonly network: Network
  readonly database: Database
  readonly connections: ConnectionsTable
  readonly notifications: JobQueue
  /** Large rooms' message.new, in jobs of a few dozen recipients, for the delivery worker. */
  readonly delivery: JobQueue
  readonly uploads: UploadsBucket
  readonly secrets: ServiceSecrets
  readonly mail: MailIdentity

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props)
    const { stage } = props
    const retain = stage.retainOnDelete
    this.network = new Network(this, 'Network', {
      natGateways: stage.natGateways,
      logRetentionDays: stage.logRetentionDays,
      retainLogs: retain,
    })
    this.database = new Database(this, 'Database', {
      vpc: this.network.vpc,
      stageName: stage.stageName,
      instanceClass: stage.databaseInstanceClass,
      multiAz: stage.databaseMultiAz,
      allocatedStorageGb: stage.databaseAllocatedStorageGb,
      backupRetentionDays: stage.databaseBackupRetentionDays,
      deletionProtection: stage.deletionProtection,
      retainSecret: retain,
      logRetentionDays: stage.logRetentionDays,
      retainLogs: retain,
    })
    this.connections = new ConnectionsTable(this, 'ConnectionsTable', { stageName: stage.stageName })
    this.notifications = new JobQueue(this, 'NotificationQueue', notificationQueue)
    this.delivery = new JobQueue(this, 'DeliveryQueue', deliveryQueue)
    this.uploads = new UploadsBucket(this, 'UploadsBucket', {
      stageName: stage.stageName,
      allowedOrigins: stage.allowedOrigins,
      retain,
    })
    this.mail = new MailIdentity(this, 'Mail', {
      stageName: stage.stageName,
      from: stage.mailFrom,
      ...(stage.mailDomain ? { domain: stage.mailDomain } : {}),
    })
    this.secrets = new ServiceSecrets(this, 'Secrets', {
      stageName: stage.stageName,
      retain,
      logRetentionDays: stage.logRetentionDays,
    })
  }
}
