// The VPC: public subnets for NAT, private subnets for functions that talk to PostgreSQL, isolated ones for RDS.
import { RemovalPolicy } from 'aws-cdk-lib'
import * as ec2 from 'aws-cdk-lib/aws-ec2'
import * as logs from 'aws-cdk-lib/aws-logs'
import { Construct } from 'constructs'

export interface NetworkProps {
  natGateways: number
  logRetentionDays: logs.RetentionDays
  retainLogs: boolean
}

export class Network extends Construct {
  readonly vpc: ec2.Vpc

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id)
    const flowLogs = new logs.LogGroup(this, 'FlowLogs', {
      retention: props.logRetentionDays,
      removalPolicy: props.retainLogs ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    })
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      // Two AZs is what an environment-agnostic stack can name, and all RDS and NAT need.
      maxAzs: 2,
      natGateways: props.natGateways,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'functions', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
        { name: 'database', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 26 },
      ],
      // S3 and DynamoDB traffic stays off the NAT gateways (and their per-GB charge).
      gatewayEndpoints: {
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
        DynamoDB: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
      },
      flowLogs: {
        rejected: {
          destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs),
          trafficType: ec2.FlowLogTrafficType.REJECT,
        },
      },
      restrictDefaultSecurityGroup: true,
    })
  }
}
