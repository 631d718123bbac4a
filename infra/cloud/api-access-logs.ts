// Access logs for both APIs: one log group each, JSON lines that never carry a query string (the WebSocket token).
import { RemovalPolicy } from 'aws-cdk-lib'
import * as apigateway from 'aws-cdk-lib/aws-apigateway'
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2'
import * as iam from 'aws-cdk-lib/aws-iam'
import * as logs from 'aws-cdk-lib/aws-logs'
import { Construct } from 'constructs'
import { acknowledge } from './nag.ts'

const common = {
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  requestTime: '$context.requestTime',
  routeKey: '$context.routeKey',
  status: '$context.status',
  integrationError: '$context.integrationErrorMessage',
  latencyMs: '$context.integrationLatency',
}

export const httpAccessLogFormat = apigateway.AccessLogFormat.custom(
  JSON.stringify({ ...common, method: '$context.httpMethod', responseLength: '$context.responseLength' }),
)

export const webSocketAccessLogFormat = apigateway.AccessLogFormat.custom(
  JSON.stringify({
    ...common,
    eventType: '$context.eventType',
    connectionId: '$context.connectionId',
    error: '$context.error.message',
    authorizerError: '$context.authorizer.error',
  }),
)

export function accessLogSettings(
  scope: Construct,
  id: string,
  retention: logs.RetentionDays,
  format: apigateway.AccessLogFormat,
  retain: boolean,
): apigwv2.IAccessLogSettings {
  const logGroup = new logs.LogGroup(scope, id, {
    retention,
    removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
  })
  return { destination: new apigwv2.LogGroupLogDestination(logGroup), format }
}

/**
 * WebSocket (unlike HTTP) APIs log through the Region's API Gateway account role. Setting it is
 * account-wide, so the role is retained: another stage in the same account keeps logging after this one goes.
 */
export class ApiGatewayAccountLogging extends Construct {
  readonly account: apigateway.CfnAccount

  constructor(scope: Construct, id: string) {
    super(scope, id)
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonAPIGatewayPushToCloudWatchLogs'),
      ],
    })
    role.applyRemovalPolicy(RemovalPolicy.RETAIN)
    acknowledge(role, {
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]':
        "the policy API Gateway's account logging role is documented with; it only writes API Gateway logs",
    })
    this.account = new apigateway.CfnAccount(this, 'Account', { cloudWatchRoleArn: role.roleArn })
  }
}
