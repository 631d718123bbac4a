// One stage of the service as an app: a stateful and a stateless stack, tagged, and checked by cdk-nag on every synth.
import { type App, Tags, Validations } from 'aws-cdk-lib'
import { AwsSolutionsChecks } from 'cdk-nag'
import type { RouteTable } from './route-table.ts'
import type { StageConfig } from './stage-config.ts'
import { StatefulStack } from './stateful-stack.ts'
import { StatelessStack } from './stateless-stack.ts'

export const stackNames = (stageName: string) => ({
  stateful: `ChatService-${stageName}-Stateful`,
  stateless: `ChatService-${stageName}-Stateless`,
})

export function chatService(app: App, stage: StageConfig, routes?: RouteTable) {
  const names = stackNames(stage.stageName)
  // No `env`: the stacks are environment-agnostic, so synth needs no account and deploy takes the CLI's.
  const stateful = new StatefulStack(app, names.stateful, {
    stage,
    description: `Chat-Service ${stage.stageName}: network, PostgreSQL, DynamoDB, SQS, S3, secrets`,
    terminationProtection: stage.deletionProtection,
  })
  const stateless = new StatelessStack(app, names.stateless, {
    stage,
    stateful,
    routes,
    description: `Chat-Service ${stage.stageName}: functions, HTTP and WebSocket APIs, schedules, alarms`,
  })
  Tags.of(app).add('service', 'chat-service')
  Tags.of(app).add('stage', stage.stageName)
  // Every synth (the CLI's, a deploy's, the tests') fails on a finding nobody acknowledged with a reason.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app))
  return { stateful, stateless }
}
