import { Match, type Template } from 'aws-cdk-lib/assertions'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { awsQuotas, capacityOf, loadPlans, postgresMaxConnections } from '../../infra/capacity.ts'
import { deliveryMetrics } from '../../lib/metrics/names.ts'
import { removeSynthOutputs, synth } from './synth.ts'

afterAll(removeSynthOutputs)

let template: Template
beforeAll(() => {
  template = synth({ stage: 'prod', settings: { alarmEmail: 'ops@example.com' } }).statelessTemplate
})

const toTopic = { AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlarmsTopic') }] }
const statefulOutput = (pattern: string) =>
  Match.objectLike({
    'Fn::GetStackOutput': Match.objectLike({ OutputName: Match.stringLikeRegexp(pattern) }),
  })

describe('alarms reach someone', () => {
  test('the topic has the stage’s email subscription', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: { Ref: Match.stringLikeRegexp('^AlarmsTopic') },
    })
  })

  test('a production stage without alarmEmail does not synth, and says which setting is missing', () => {
    expect(() => synth({ stage: 'prod', settings: { alarmEmail: undefined } })).toThrow(/alarmEmail/)
  })
})

describe('alarms for what only AWS can show', () => {
  test('Lambda throttles anywhere in the account', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...toTopic,
      Namespace: 'AWS/Lambda',
      MetricName: 'Throttles',
      Dimensions: Match.absent(),
      Statistic: 'Sum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    })
  })

  test('account concurrency near its limit', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...toTopic,
      Namespace: 'AWS/Lambda',
      MetricName: 'ConcurrentExecutions',
      Dimensions: Match.absent(),
      Threshold: awsQuotas.lambdaConcurrency * 0.8,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    })
  })

  test.each(['wsAuthorizer', 'wsConnect', 'wsDisconnect'])('%s near its reserved concurrency', (name) => {
    const reserved = capacityOf(loadPlans.launch).reserved
    const concurrency = {
      wsAuthorizer: reserved.authorizer,
      wsConnect: reserved.$connect,
      wsDisconnect: reserved.$disconnect,
    }[name] as number
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...toTopic,
      Namespace: 'AWS/Lambda',
      MetricName: 'ConcurrentExecutions',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp(`^${name}Function`) } }],
      Threshold: Math.floor(concurrency * 0.8),
    })
  })

  test('PostgreSQL connections near the instance’s ceiling, and waits for a proxy connection', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...toTopic,
      Namespace: 'AWS/RDS',
      MetricName: 'DatabaseConnections',
      Dimensions: [{ Name: 'DBInstanceIdentifier', Value: statefulOutput('DatabaseInstance') }],
      Threshold: Math.floor(postgresMaxConnections('t4g.small') * 0.8),
    })
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...toTopic,
      Namespace: 'AWS/RDS',
      MetricName: 'DatabaseConnectionsBorrowLatency',
      Dimensions: [{ Name: 'ProxyName', Value: statefulOutput('DatabaseInstanceProxy') }],
      ExtendedStatistic: 'p99',
    })
  })

  test('DynamoDB throttles on the connections table and its index', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...toTopic,
      Metrics: Match.arrayWith([
        Match.objectLike({
          MetricStat: Match.objectLike({
            Metric: {
              Namespace: 'AWS/DynamoDB',
              MetricName: 'WriteThrottleEvents',
              Dimensions: [{ Name: 'TableName', Value: 'chat-service-prod-connections' }],
            },
          }),
        }),
        Match.objectLike({
          MetricStat: Match.objectLike({
            Metric: {
              Namespace: 'AWS/DynamoDB',
              MetricName: 'ReadThrottleEvents',
              Dimensions: [
                { Name: 'GlobalSecondaryIndexName', Value: 'byUser' },
                { Name: 'TableName', Value: 'chat-service-prod-connections' },
              ],
            },
          }),
        }),
      ]),
    })
  })

  test('the oldest notification job’s age, and the dead-letter queue’s depth', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...toTopic,
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: statefulOutput('NotificationQueue.*QueueName') }],
      Threshold: 300,
    })
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...toTopic,
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: statefulOutput('DeadLetterQueue.*QueueName') }],
      Threshold: 0,
    })
  })

  test('the oldest delivery job’s age (30 s: members waiting on a message), and its dead-letter queue’s depth', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...toTopic,
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: statefulOutput('DeliveryQueue[0-9A-F]+QueueName') }],
      Threshold: 30,
    })
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...toTopic,
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: statefulOutput('DeliveryQueueDeadLetterQueue.*QueueName') }],
      Threshold: 0,
    })
  })

  test('errors of the signing-key rotation', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...toTopic,
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: statefulOutput('JwtSigningKeysRotationFunction') }],
      Threshold: 0,
    })
  })
})

test('a dashboard shows delivery beside the AWS signals', () => {
  const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as {
    Properties: { DashboardName: string; DashboardBody: unknown }
  }[]
  expect(dashboard?.Properties.DashboardName).toBe('chat-service-prod')
  const body = JSON.stringify(dashboard?.Properties.DashboardBody)
  for (const name of Object.values(deliveryMetrics.names)) expect(body).toContain(name)
  for (const signal of ['ConcurrentExecutions', 'ApproximateAgeOfOldestMessage', 'DatabaseConnections'])
    expect(body).toContain(signal)
})
