// Alarms that mean something is lost or failing: dead-lettered jobs, function errors, 5xx from either API.
import { Duration } from 'aws-cdk-lib'
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2'
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch'
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions'
import type * as lambda from 'aws-cdk-lib/aws-lambda'
import * as sns from 'aws-cdk-lib/aws-sns'
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions'
import type * as sqs from 'aws-cdk-lib/aws-sqs'
import { Construct } from 'constructs'

export interface ServiceAlarmsProps {
  stageName: string
  deadLetterQueue: sqs.IQueue
  functions: ReadonlyMap<string, lambda.IFunction>
  httpApi: apigwv2.HttpApi
  webSocketApi: apigwv2.WebSocketApi
  alarmEmail?: string
}

const fiveMinutes = Duration.minutes(5)

export class ServiceAlarms extends Construct {
  readonly topic: sns.Topic

  constructor(scope: Construct, id: string, props: ServiceAlarmsProps) {
    super(scope, id)
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: `chat-service ${props.stageName} alarms`,
      enforceSSL: true,
    })
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail))
    const notify = new actions.SnsAction(this.topic)

    const alarm = (alarmId: string, description: string, metric: cloudwatch.IMetric) => {
      const created = new cloudwatch.Alarm(this, alarmId, {
        alarmDescription: description,
        metric,
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      })
      created.addAlarmAction(notify)
      return created
    }

    alarm(
      'DeadLetterQueueDepth',
      'A notification job failed 5 times and waits in the dead-letter queue',
      props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
    )
    for (const [name, fn] of props.functions) {
      alarm(
        `${name}Errors`,
        `Function ${name} threw or timed out`,
        fn.metricErrors({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM }),
      )
    }
    alarm(
      'HttpApi5xx',
      'The HTTP API answered 5xx',
      props.httpApi.metricServerError({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM }),
    )
    // WebSocket APIs publish no 5XX metric: failing integrations are their server-side errors.
    alarm(
      'WebSocketApiIntegrationErrors',
      'The WebSocket API could not complete a call to a function',
      new cloudwatch.MathExpression({
        expression: 'FILL(integration, 0) + FILL(execution, 0)',
        label: 'WebSocket integration and execution errors',
        period: fiveMinutes,
        usingMetrics: {
          integration: props.webSocketApi.metric('IntegrationError', { statistic: cloudwatch.Stats.SUM }),
          execution: props.webSocketApi.metric('ExecutionError', { statistic: cloudwatch.Stats.SUM }),
        },
      }),
    )
  }
}
