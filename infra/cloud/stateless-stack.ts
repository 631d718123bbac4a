// The stack that holds no data: functions, both APIs, queue consumers, schedules, migrations, alarms, domains.
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib'
import type * as lambda from 'aws-cdk-lib/aws-lambda'
import type { Construct } from 'constructs'
import { capacityOf, loadPlans, postgresMaxConnections } from '../capacity.ts'
import { ServiceAlarms } from './alarms.ts'
import { ChatFunction } from './chat-function.ts'
import { ApiDomains } from './custom-domain.ts'
import { ChatHttpApi } from './http-api.ts'
import { SchemaMigrations } from './migrations.ts'
import { addQueueConsumers } from './queue-consumers.ts'
import { resourceNames } from './resource-names.ts'
import { assertRoutesResolve, type RouteTable, routeTable } from './route-table.ts'
import { Schedules } from './schedules.ts'
import type { StageConfig } from './stage-config.ts'
import type { StatefulStack } from './stateful-stack.ts'
import { Stores } from './stores.ts'
import { ChatWebSocketApi } from './websocket-api.ts'

export interface StatelessStackProps extends StackProps {
  stage: StageConfig
  stateful: StatefulStack
  /** Defaults to infra/routes.ts. */
  routes?: RouteTable
}

export class StatelessStack extends Stack {
  readonly functions: ReadonlyMap<string, ChatFunction>
  readonly httpApi: ChatHttpApi
  readonly webSocketApi: ChatWebSocketApi
  readonly migrations: SchemaMigrations

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props)
    const { stage, stateful } = props
    const routes = props.routes ?? routeTable
    assertRoutesResolve(routes)
    const capacity = capacityOf(loadPlans[stage.capacity])

    this.webSocketApi = new ChatWebSocketApi(this, 'WebSocketApi', {
      stageName: stage.stageName,
      routeSelectionExpression: routes.webSocket.routeSelectionExpression,
      throttles: capacity.webSocket,
      logRetentionDays: stage.logRetentionDays,
      retainLogs: stage.retainOnDelete,
    })
    const stores = new Stores(this, { stage, stateful, webSocketStage: this.webSocketApi.stage })

    // The handshake path ($connect's authorizer and function, and $disconnect) keeps its own concurrency.
    const routeFunction = (routeKey: string) =>
      routes.webSocket.routes.find((route) => route.routeKey === routeKey)?.function
    const handshake = new Map<string, number>()
    for (const [name, reserved] of [
      [routes.webSocket.authorizer?.function, capacity.reserved.authorizer],
      [routeFunction('$connect'), capacity.reserved.$connect],
      [routeFunction('$disconnect'), capacity.reserved.$disconnect],
    ] as const) {
      if (name) handshake.set(name, (handshake.get(name) ?? 0) + reserved)
    }
    const tokenVerifiers = new Set([
      ...routes.httpRoutes.map((route) => route.function),
      ...(routes.webSocket.authorizer ? [routes.webSocket.authorizer.function] : []),
    ])
    this.functions = new Map(
      Object.entries(routes.functions).map(([name, spec]) => [
        name,
        new ChatFunction(this, name, {
          spec,
          stageName: stage.stageName,
          stores,
          logRetentionDays: stage.logRetentionDays,
          retainLogs: stage.retainOnDelete,
          verifiesTokens: tokenVerifiers.has(name),
          reservedConcurrency: handshake.get(name),
        }),
      ]),
    )
    const functionNamed = (name: string): lambda.Function => {
      const fn = this.functions.get(name)
      if (!fn) throw new Error(`no function named ${name} in the route table`)
      return fn.function
    }

    this.httpApi = new ChatHttpApi(this, 'HttpApi', {
      stageName: stage.stageName,
      routes: routes.httpRoutes,
      functions: functionNamed,
      allowedOrigins: stage.allowedOrigins,
      throttles: capacity.http,
      logRetentionDays: stage.logRetentionDays,
      retainLogs: stage.retainOnDelete,
    })
    this.webSocketApi.addRoutes(routes.webSocket, functionNamed)
    addQueueConsumers({
      consumers: routes.queueConsumers,
      queues: { notifications: stateful.notifications.queue, delivery: stateful.delivery.queue },
      functions: functionNamed,
      maxConcurrency: {
        notifications: capacity.queueMaxConcurrency,
        delivery: capacity.deliveryMaxConcurrency,
      },
    })
    new Schedules(this, 'Schedules', { schedules: routes.schedules, functions: functionNamed })

    this.migrations = new SchemaMigrations(this, 'SchemaMigrations', {
      stores,
      stageName: stage.stageName,
      logRetentionDays: stage.logRetentionDays,
      retainLogs: stage.retainOnDelete,
      executeBefore: [...this.functions.values()].map((fn) => fn.function),
    })

    new ServiceAlarms(this, 'Alarms', {
      stageName: stage.stageName,
      queue: stateful.notifications.queue,
      deadLetterQueue: stateful.notifications.deadLetterQueue,
      delivery: {
        queue: stateful.delivery.queue,
        deadLetterQueue: stateful.delivery.deadLetterQueue,
        maxAgeSeconds: 30,
      },
      functions: new Map(
        [...this.functions, ['migrate', this.migrations.migrate] as const].map(([name, fn]) => [
          name,
          fn.function,
        ]),
      ),
      reserved: new Map(
        [...handshake].map(([name, concurrency]) => [name, { fn: functionNamed(name), concurrency }]),
      ),
      signingKeyRotation: stateful.secrets.jwtSigningKeysRotation.function,
      connectionsTableName: resourceNames(stage.stageName).connectionsTable,
      database: {
        instance: stateful.database.instance,
        proxy: stateful.database.proxy,
        maxConnections: postgresMaxConnections(stage.databaseInstanceClass),
      },
      httpApi: this.httpApi.api,
      webSocketApi: this.webSocketApi.api,
      alarmEmail: stage.alarmEmail,
      maxJobAgeSeconds: 5 * 60,
    })

    let httpUrl = this.httpApi.api.apiEndpoint
    let webSocketUrl = this.webSocketApi.stage.url
    if (stage.domainName) {
      const domains = new ApiDomains(this, 'ApiDomains', {
        domainName: stage.domainName,
        hostedZone: stage.hostedZoneId
          ? { hostedZoneId: stage.hostedZoneId, zoneName: stage.hostedZoneName ?? stage.domainName }
          : undefined,
        certificateArn: stage.certificateArn,
        httpStage: this.httpApi.stage,
        webSocketStage: this.webSocketApi.stage,
      })
      httpUrl = `https://${domains.httpDomain.name}`
      webSocketUrl = `wss://${domains.webSocketDomain.name}`
      new CfnOutput(this, 'CustomDomainTargets', {
        description: 'Where api.* and ws.* must point (CNAME or alias) when the zone is not managed here',
        value: `${domains.httpDomain.regionalDomainName} ${domains.webSocketDomain.regionalDomainName}`,
      })
    }
    new CfnOutput(this, 'HttpApiUrl', { description: 'HTTPS base URL of the HTTP API', value: httpUrl })
    new CfnOutput(this, 'WebSocketUrl', { description: 'WSS URL of the WebSocket API', value: webSocketUrl })
  }
}
