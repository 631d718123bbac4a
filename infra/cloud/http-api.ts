// The HTTP API: every route of the table, one Lambda integration per function, CORS for the allowed origins.
import { Duration } from 'aws-cdk-lib'
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2'
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations'
import type * as lambda from 'aws-cdk-lib/aws-lambda'
import type * as logs from 'aws-cdk-lib/aws-logs'
import { Construct } from 'constructs'
import type { Throttle } from '../capacity.ts'
import { corsPolicy } from '../cors.ts'
import { accessLogSettings, httpAccessLogFormat } from './api-access-logs.ts'
import { acknowledge } from './nag.ts'
import type { RouteTable } from './route-table.ts'

export interface ChatHttpApiProps {
  stageName: string
  routes: RouteTable['httpRoutes']
  functions: (name: string) => lambda.IFunction
  allowedOrigins: readonly string[]
  /** Per route key (`POST /auth/login`), from the capacity plan; other routes get `default`. */
  throttles: Record<string, Throttle> & { default: Throttle }
  logRetentionDays: logs.RetentionDays
  retainLogs: boolean
}

export class ChatHttpApi extends Construct {
  readonly api: apigwv2.HttpApi
  readonly stage: apigwv2.HttpStage

  constructor(scope: Construct, id: string, props: ChatHttpApiProps) {
    super(scope, id)
    this.api = new apigwv2.HttpApi(this, 'Api', {
      apiName: `chat-service-${props.stageName}-http`,
      createDefaultStage: false,
      corsPreflight:
        props.allowedOrigins.length > 0
          ? {
              allowOrigins: [...props.allowedOrigins],
              allowMethods: corsPolicy.allowMethods.map((method) => apigwv2.CorsHttpMethod[method]),
              allowHeaders: [...corsPolicy.allowHeaders],
              exposeHeaders: [...corsPolicy.exposeHeaders],
              maxAge: Duration.seconds(corsPolicy.maxAgeSeconds),
            }
          : undefined,
    })
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttles.default,
      accessLogSettings: accessLogSettings(
        this,
        'AccessLogs',
        props.logRetentionDays,
        httpAccessLogFormat,
        props.retainLogs,
      ),
    })

    const integrations = new Map<string, HttpLambdaIntegration>()
    const integrationOf = (name: string) => {
      let integration = integrations.get(name)
      if (!integration) {
        integration = new HttpLambdaIntegration(name, props.functions(name))
        integrations.set(name, integration)
      }
      return integration
    }
    const routeSettings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> = {}
    const stage = this.stage.node.defaultChild as apigwv2.CfnStage
    for (const route of props.routes) {
      const [created] = this.api.addRoutes({
        path: route.path,
        methods: [apigwv2.HttpMethod[route.method]],
        integration: integrationOf(route.function),
      })
      const routeKey = `${route.method} ${route.path}`
      const throttle = props.throttles[routeKey]
      if (throttle) {
        routeSettings[routeKey] = {
          ThrottlingRateLimit: throttle.rateLimit,
          ThrottlingBurstLimit: throttle.burstLimit,
        }
        // CloudFormation refuses route settings for a route key that does not exist yet.
        stage.node.addDependency(created as apigwv2.HttpRoute)
      }
      acknowledge(created as apigwv2.HttpRoute, {
        'AwsSolutions-APIG4':
          'the handler authenticates: the shared middleware verifies the JWT (pinned ES256, iss, aud, exp), except on public routes such as /health and /auth/*',
      })
    }
    stage.routeSettings = routeSettings
  }
}
