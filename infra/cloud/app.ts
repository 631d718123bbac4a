// The CDK app: one stage (`-c stage=<name>`, settings in cdk.json) as a stateful and a stateless stack.
import { App, Tags } from 'aws-cdk-lib'
import { stageConfig } from './stage-config.ts'
import { StatefulStack } from './stateful-stack.ts'
import { StatelessStack } from './stateless-stack.ts'

const app = new App()
const stage = stageConfig(app.node.tryGetContext('stages'), app.node.tryGetContext('stage') ?? 'dev')
const prefix = `ChatService-${stage.stageName}`

// No `env`: the stacks are environment-agnostic, so synth needs no account and deploy takes the CLI's.
const stateful = new StatefulStack(app, `${prefix}-Stateful`, {
  stage,
  description: `Chat-Service ${stage.stageName}: network, PostgreSQL, DynamoDB, SQS, S3, secrets`,
  terminationProtection: stage.deletionProtection,
})
new StatelessStack(app, `${prefix}-Stateless`, {
  stage,
  stateful,
  description: `Chat-Service ${stage.stageName}: functions, HTTP and WebSocket APIs, schedules, alarms`,
})
Tags.of(app).add('service', 'chat-service')
Tags.of(app).add('stage', stage.stageName)
app.synth()
