// The WebSocket API: frames routed by action from the route table, a Lambda authorizer on $connect, WSS only.
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2'
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers'
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations'
import type * as lambda from 'aws-cdk-lib/aws-lambda'
import type * as logs from 'aws-cdk-lib/aws-logs'
import { Construct } from 'constructs'
import type { Throttle } from '../capacity.ts'
import { ApiGatewayAccountLogging, accessLogSettings, webSocketAccessLogFormat } from './api-access-logs.ts'
import { acknowledge } from './nag.ts'
import type { RouteTable } from './route-table.ts'

export interface ChatWebSocketApiProps {
  stageName: string
  routeSelectionExpression: string
  /** Per route key, from the capacity plan; a route it does not name gets `$default`'s. */
  throttles: Record<string, Throttle> & { $default: Throttle }
  logRetentionDays: logs.RetentionDays
  retainLogs: boolean
}

/** Made before the functions (they need its management endpoint); routes are added once they exist. */
export class ChatWebSocketApi extends Construct {
  readonly api: apigwv2.WebSocketApi
  readonly stage: apigwv2.WebSocketStage
  private readonly throttles: ChatWebSocketApiProps['throttles']

  constructor(scope: Construct, id: string, props: ChatWebSocketApiProps) {
    super(scope, id)
    this.throttles = props.throttles
    this.api = new apigwv2.WebSocketApi(this, 'Api', {
      apiName: `chat-service-${props.stageName}-ws`,
      routeSelectionExpression: props.routeSelectionExpression,
    })
    const accountLogging = new ApiGatewayAccountLogging(this, 'AccountLogging')
    this.stage = new apigwv2.WebSocketStage(this, 'Stage', {
      webSocketApi: this.api,
      stageName: props.stageName,
      autoDeploy: true,
      // What a route of no plan would get; every route of the table has its own setting (addRoutes).
      throttle: props.throttles.$default,
      accessLogSettings: accessLogSettings(
        this,
        'AccessLogs',
        props.logRetentionDays,
        webSocketAccessLogFormat,
        props.retainLogs,
      ),
    })
    this.stage.node.addDependency(accountLogging.account)
  }

  /** One integration per route; `$connect` is guarded by the authorizer when the table names one. */
  addRoutes(table: RouteTable['webSocket'], functions: (name: string) => lambda.IFunction): void {
    if (table.authorizer && !table.routes.some((route) => route.routeKey === '$connect')) {
      throw new Error('the WebSocket authorizer runs on $connect, but the route table has no $connect route')
    }
    const authorizer = table.authorizer
      ? new WebSocketLambdaAuthorizer('ConnectAuthorizer', functions(table.authorizer.function), {
          identitySource: table.authorizer.identitySource.split(',').map((source) => source.trim()),
        })
      : undefined
    const routeSettings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> = {}
    const stage = this.stage.node.defaultChild as apigwv2.CfnStage
    for (const route of table.routes) {
      const throttle = this.throttles[route.routeKey] ?? this.throttles.$default
      routeSettings[route.routeKey] = {
        ThrottlingRateLimit: throttle.rateLimit,
        ThrottlingBurstLimit: throttle.burstLimit,
      }
      const created = this.api.addRoute(route.routeKey, {
        integration: new WebSocketLambdaIntegration(
          `${route.function}-${route.routeKey}`,
          functions(route.function),
        ),
        authorizer: route.routeKey === '$connect' ? authorizer : undefined,
      })
      // CloudFormation refuses route settings for a route key that does not exist yet.
      stage.node.addDependency(created)
      // $connect stays unacknowledged: without an authorizer it must fail the nag check.
      if (route.routeKey !== '$connect') {
        acknowledge(created, {
          'AwsSolutions-APIG4':
            'API Gateway authorizes a WebSocket once, on $connect; later frames carry that authorizer context',
        })
      }
    }
    stage.routeSettings = routeSettings
  }
}
