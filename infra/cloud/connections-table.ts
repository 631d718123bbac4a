// Live WebSocket connections: one item per connection id, found by user through a GSI, expired by TTL.
import { RemovalPolicy } from 'aws-cdk-lib'
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb'
import { Construct } from 'constructs'
import { connectionsTable } from '../resources.ts'
import { resourceNames } from './resource-names.ts'

export class ConnectionsTable extends Construct {
  readonly table: dynamodb.Table

  constructor(scope: Construct, id: string, props: { stageName: string }) {
    super(scope, id)
    this.table = new dynamodb.Table(this, 'Table', {
      tableName: resourceNames(props.stageName).connectionsTable,
      partitionKey: { name: connectionsTable.partitionKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: connectionsTable.ttlAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      // Connections live for at most two hours; nothing here outlives the stack.
      removalPolicy: RemovalPolicy.DESTROY,
    })
    this.table.addGlobalSecondaryIndex({
      indexName: connectionsTable.byUserIndex.name,
      partitionKey: { name: connectionsTable.byUserIndex.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: connectionsTable.byUserIndex.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType[connectionsTable.byUserIndex.projection.type],
      nonKeyAttributes: [...connectionsTable.byUserIndex.projection.nonKeyAttributes],
    })
  }
}
