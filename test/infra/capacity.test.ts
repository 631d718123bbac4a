import { Match, type Template } from 'aws-cdk-lib/assertions'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  awsQuotas,
  CapacityPlanError,
  capacityOf,
  type LoadPlan,
  loadPlans,
  mongoPoolSizePerInstance,
} from '../../infra/capacity.ts'
import { routeTable } from '../../infra/cloud/route-table.ts'
import { mongoMaxPoolSize } from '../../lib/stores/mongo.ts'
import { removeSynthOutputs, synth } from './synth.ts'

afterAll(removeSynthOutputs)

type Resource = { Properties: Record<string, unknown>; Metadata?: Record<string, unknown> }

const launch = capacityOf(loadPlans.launch)
const trial = capacityOf(loadPlans.trial)

function lambdaOf(template: Template, name: string): Resource {
  const lambdas = Object.values(template.findResources('AWS::Lambda::Function')) as Resource[]
  const found = lambdas.find((r) =>
    String(r.Metadata?.['aws:cdk:path']).endsWith(`/${name}/Function/Resource`),
  )
  if (!found) throw new Error(`no function ${name}`)
  return found as Resource
}

describe('the capacity plan', () => {
  test('sizes $connect for the reconnect storm, ping for the heartbeat, sendMessage for peak messages', () => {
    expect(launch.webSocket.$connect).toEqual({ rateLimit: 334, burstLimit: 668 })
    expect(launch.webSocket.ping).toEqual({ rateLimit: 167, burstLimit: 334 })
    expect(launch.webSocket.sendMessage).toEqual({ rateLimit: 200, burstLimit: 400 })
  })

  test('sizes the notification worker from the MongoDB connection budget', () => {
    // M10 holds 1500 connections; the worker may take a fifth of them, 5 per instance.
    expect(launch.queueMaxConcurrency).toBe(60)
    expect(trial.queueMaxConcurrency).toBe(10)
    expect(mongoPoolSizePerInstance).toBe(mongoMaxPoolSize)
  })

  test("sizes the delivery worker from its share of API Gateway's account request rate", () => {
    // 10,000 requests/s: half for launch, a tenth for trial, at 640 posts/s per instance.
    expect(launch.deliveryMaxConcurrency).toBe(7)
    expect(trial.deliveryMaxConcurrency).toBe(2)
  })

  test('reserves concurrency for the handshake path from the storm rate and each function p99', () => {
    // 10,000 users over 30 s is 333.3 handshakes a second: x 0.3 s, x 0.5 s, x 0.5 s.
    expect(launch.reserved).toEqual({ authorizer: 100, $connect: 167, $disconnect: 167 })
  })

  const storm = (users: number): LoadPlan => ({
    ...loadPlans.launch,
    reconnectStorm: { users, overSeconds: 10 },
  })

  test("a plan over API Gateway's 500 new connections a second fails synth, naming the quota", () => {
    expect(() => capacityOf(storm(5001 * 1))).toThrow(CapacityPlanError)
    expect(() => capacityOf(storm(5010))).toThrow(/500 new WebSocket connections\/s per account/)
  })

  test('a plan reserving more than Lambda lets an account reserve fails synth', () => {
    const slow: LoadPlan = { ...loadPlans.launch, p99Seconds: { authorizer: 2, connect: 2, disconnect: 2 } }
    expect(() => capacityOf(slow)).toThrow(
      new RegExp(`at most ${awsQuotas.lambdaConcurrency - awsQuotas.lambdaUnreservable}`),
    )
  })
})

describe.each([
  ['dev', 'trial', trial],
  ['prod', 'launch', launch],
] as const)('the %s stage (plan %s)', (stageName, _plan, capacity) => {
  let template: Template
  beforeAll(() => {
    template = synth({ stage: stageName, settings: { alarmEmail: 'ops@example.com' } }).statelessTemplate
  })

  const setting = (throttle: { rateLimit: number; burstLimit: number }) => ({
    ThrottlingRateLimit: throttle.rateLimit,
    ThrottlingBurstLimit: throttle.burstLimit,
  })

  test('throttles each WebSocket route by the plan, not one stage-wide rate', () => {
    const routeSettings = Object.fromEntries(
      routeTable.webSocket.routes.map((route) => [
        route.routeKey,
        setting(capacity.webSocket[route.routeKey as keyof typeof capacity.webSocket]),
      ]),
    )
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: stageName,
      RouteSettings: routeSettings,
      DefaultRouteSettings: setting(capacity.webSocket.$default),
    })
  })

  test('throttles the HTTP routes that have their own rate, the rest by the default', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: setting(capacity.http.default),
      RouteSettings: {
        'POST /auth/signup': setting(capacity.http['POST /auth/signup']),
        'POST /auth/login': setting(capacity.http['POST /auth/login']),
        'POST /auth/refresh': setting(capacity.http['POST /auth/refresh']),
        'POST /conversations/{id}/messages': setting(capacity.http['POST /conversations/{id}/messages']),
      },
    })
  })

  test('each stage waits for the routes its settings name (CloudFormation refuses them otherwise)', () => {
    const routes = template.findResources('AWS::ApiGatewayV2::Route')
    const stages = Object.values(template.findResources('AWS::ApiGatewayV2::Stage')) as {
      DependsOn?: string[]
      Properties: { ApiId: unknown; RouteSettings?: Record<string, unknown> }
    }[]
    for (const stage of stages) {
      const named = Object.keys(stage.Properties.RouteSettings ?? {})
      expect(named.length).toBeGreaterThan(0)
      const ids = Object.entries(routes)
        .filter(
          ([, route]) => JSON.stringify(route.Properties.ApiId) === JSON.stringify(stage.Properties.ApiId),
        )
        .filter(([, route]) => named.includes(route.Properties.RouteKey))
        .map(([id]) => id)
      expect(ids).toHaveLength(named.length)
      expect(stage.DependsOn).toEqual(expect.arrayContaining(ids))
    }
  })

  test('reserves concurrency for the authorizer, $connect and $disconnect, and nothing else', () => {
    expect(lambdaOf(template, 'wsAuthorizer').Properties.ReservedConcurrentExecutions).toBe(
      capacity.reserved.authorizer,
    )
    expect(lambdaOf(template, 'wsConnect').Properties.ReservedConcurrentExecutions).toBe(
      capacity.reserved.$connect,
    )
    expect(lambdaOf(template, 'wsDisconnect').Properties.ReservedConcurrentExecutions).toBe(
      capacity.reserved.$disconnect,
    )
    for (const name of ['wsSendMessage', 'conversations', 'notify', 'health'])
      expect(lambdaOf(template, name).Properties.ReservedConcurrentExecutions).toBeUndefined()
  })

  test("caps the delivery worker at its share of API Gateway's request rate", () => {
    const deliver = Object.entries(template.findResources('AWS::Lambda::Function')).find(([, r]) =>
      String(r.Metadata?.['aws:cdk:path']).endsWith('/deliver/Function/Resource'),
    )?.[0]
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: deliver },
      ScalingConfig: { MaximumConcurrency: capacity.deliveryMaxConcurrency },
    })
  })

  test('caps the notification worker at the MongoDB budget', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: capacity.queueMaxConcurrency },
      EventSourceArn: Match.objectLike({ 'Fn::GetStackOutput': Match.anyValue() }),
    })
  })
})
