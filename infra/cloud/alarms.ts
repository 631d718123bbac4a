// Alarms that mean something is lost, failing or about to hit a limit, sent to an SNS topic someone reads,
// and a dashboard of the same signals beside the delivery metrics the functions emit.
import { Duration } from 'aws-cdk-lib'
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2'
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch'
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions'
import type * as lambda from 'aws-cdk-lib/aws-lambda'
import type * as rds from 'aws-cdk-lib/aws-rds'
import * as sns from 'aws-cdk-lib/aws-sns'
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions'
import type * as sqs from 'aws-cdk-lib/aws-sqs'
import { Construct } from 'constructs'
import { deliveryMetrics } from '../../lib/metrics/names.ts'
import { awsQuotas } from '../capacity.ts'
import { connectionsTable } from '../resources.ts'

export interface ServiceAlarmsProps {
  stageName: string
  queue: sqs.IQueue
  deadLetterQueue: sqs.IQueue
  /** The delivery jobs of large rooms: a late one is a message members see late. */
  delivery: { queue: sqs.IQueue; deadLetterQueue: sqs.IQueue; maxAgeSeconds: number }
  functions: ReadonlyMap<string, lambda.IFunction>
  /** Functions with reserved concurrency, and how much: alarmed when they near it. */
  reserved: ReadonlyMap<string, { fn: lambda.IFunction; concurrency: number }>
  signingKeyRotation: lambda.IFunction
  connectionsTableName: string
  database: { instance: rds.IDatabaseInstance; proxy: rds.IDatabaseProxy; maxConnections: number }
  httpApi: apigwv2.HttpApi
  webSocketApi: apigwv2.WebSocketApi
  /** Required for a production stage (stage-config.ts): without a subscription an alarm reaches nobody. */
  alarmEmail?: string
  /** Seconds a notification job may wait before its age is alarming. */
  maxJobAgeSeconds: number
}

const oneMinute = Duration.minutes(1)
const fiveMinutes = Duration.minutes(5)
/** "Near the limit": far enough below it to act before anything is refused. */
const nearLimit = 0.8

export class ServiceAlarms extends Construct {
  readonly topic: sns.Topic
  readonly dashboard: cloudwatch.Dashboard

  constructor(scope: Construct, id: string, props: ServiceAlarmsProps) {
    super(scope, id)
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: `chat-service ${props.stageName} alarms`,
      enforceSSL: true,
    })
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail))
    const notify = new actions.SnsAction(this.topic)

    const alarm = (
      alarmId: string,
      description: string,
      metric: cloudwatch.IMetric,
      threshold = 0,
      comparison = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    ) => {
      const created = new cloudwatch.Alarm(this, alarmId, {
        alarmDescription: description,
        metric,
        threshold,
        comparisonOperator: comparison,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      })
      created.addAlarmAction(notify)
      return created
    }
    const atLeast = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
    const sum = { period: fiveMinutes, statistic: cloudwatch.Stats.SUM }
    const max = { period: oneMinute, statistic: cloudwatch.Stats.MAXIMUM }

    // Work lost or waiting.
    alarm(
      'DeadLetterQueueDepth',
      'A notification job failed 5 times and waits in the dead-letter queue',
      props.deadLetterQueue.metricApproximateNumberOfMessagesVisible(max),
    )
    alarm(
      'NotificationJobAge',
      `A notification job has waited over ${props.maxJobAgeSeconds} s: the worker is throttled, failing or short of concurrency`,
      props.queue.metricApproximateAgeOfOldestMessage(max),
      props.maxJobAgeSeconds,
    )

    alarm(
      'DeliveryDeadLetterQueueDepth',
      "A large room's delivery job failed 3 times: its members got no message.new and read the message from history",
      props.delivery.deadLetterQueue.metricApproximateNumberOfMessagesVisible(max),
    )
    alarm(
      'DeliveryJobAge',
      `A delivery job has waited over ${props.delivery.maxAgeSeconds} s: large rooms get their messages late`,
      props.delivery.queue.metricApproximateAgeOfOldestMessage(max),
      props.delivery.maxAgeSeconds,
    )

    // Failures.
    for (const [name, fn] of props.functions) {
      alarm(`${name}Errors`, `Function ${name} threw or timed out`, fn.metricErrors(sum))
    }
    alarm(
      'SigningKeyRotationErrors',
      'The JWT signing-key rotation failed: the keys stay as they were, and the next rotation will retry',
      props.signingKeyRotation.metricErrors(sum),
    )
    alarm('HttpApi5xx', 'The HTTP API answered 5xx', props.httpApi.metricServerError(sum))
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

    // Throttles and limits.
    const accountLambda = (metricName: string, statistic: string, period = oneMinute) =>
      new cloudwatch.Metric({ namespace: 'AWS/Lambda', metricName, statistic, period })
    alarm(
      'LambdaThrottles',
      'Lambda refused invocations for lack of concurrency somewhere in the account',
      accountLambda('Throttles', cloudwatch.Stats.SUM, fiveMinutes),
    )
    alarm(
      'AccountConcurrencyNearLimit',
      `Concurrent executions in the account passed ${nearLimit * 100}% of its ${awsQuotas.lambdaConcurrency}`,
      accountLambda('ConcurrentExecutions', cloudwatch.Stats.MAXIMUM),
      Math.floor(awsQuotas.lambdaConcurrency * nearLimit),
      atLeast,
    )
    for (const [name, { fn, concurrency }] of props.reserved) {
      alarm(
        `${name}ConcurrencyNearReserved`,
        `Function ${name} used over ${nearLimit * 100}% of its ${concurrency} reserved executions`,
        fn.metric('ConcurrentExecutions', max),
        Math.max(1, Math.floor(concurrency * nearLimit)),
        atLeast,
      )
    }
    const table = (metricName: string, indexName?: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/DynamoDB',
        metricName,
        dimensionsMap: {
          TableName: props.connectionsTableName,
          ...(indexName ? { GlobalSecondaryIndexName: indexName } : {}),
        },
        statistic: cloudwatch.Stats.SUM,
        period: fiveMinutes,
      })
    alarm(
      'ConnectionsTableThrottles',
      'DynamoDB throttled reads or writes of the connections table or its byUser index',
      new cloudwatch.MathExpression({
        expression: 'FILL(reads, 0) + FILL(writes, 0) + FILL(indexReads, 0) + FILL(indexWrites, 0)',
        label: 'Connections table throttle events',
        period: fiveMinutes,
        usingMetrics: {
          reads: table('ReadThrottleEvents'),
          writes: table('WriteThrottleEvents'),
          indexReads: table('ReadThrottleEvents', connectionsTable.byUserIndex.name),
          indexWrites: table('WriteThrottleEvents', connectionsTable.byUserIndex.name),
        },
      }),
    )
    const { instance, proxy, maxConnections } = props.database
    alarm(
      'DatabaseConnectionsNearLimit',
      `PostgreSQL holds over ${nearLimit * 100}% of its ${maxConnections} connections`,
      instance.metricDatabaseConnections(max),
      Math.floor(maxConnections * nearLimit),
      atLeast,
    )
    alarm(
      'ProxyConnectionWait',
      'Functions waited over 1 s for a database connection from RDS Proxy: its pool is exhausted',
      new cloudwatch.Metric({
        namespace: 'AWS/RDS',
        metricName: 'DatabaseConnectionsBorrowLatency',
        dimensionsMap: { ProxyName: proxy.dbProxyName },
        statistic: cloudwatch.Stats.percentile(99),
        period: fiveMinutes,
      }),
      // Reported in microseconds.
      1_000_000,
    )

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `chat-service-${props.stageName}`,
      defaultInterval: Duration.hours(3),
    })
    const delivery = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({
        namespace: deliveryMetrics.namespace,
        metricName,
        dimensionsMap: { service: deliveryMetrics.service, stage: props.stageName },
        statistic,
        period: oneMinute,
      })
    const { names } = deliveryMetrics
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Messages and frames',
        left: [names.messagesStored, names.framesDelivered, names.goneConnections, names.failedPosts].map(
          (name) => delivery(name, cloudwatch.Stats.SUM),
        ),
      }),
      new cloudwatch.GraphWidget({
        title: 'Send to ack and fan-out (ms)',
        left: [names.sendToAck, names.fanOut].flatMap((name) => [
          delivery(name, cloudwatch.Stats.percentile(50)),
          delivery(name, cloudwatch.Stats.percentile(99)),
        ]),
      }),
      new cloudwatch.GraphWidget({
        title: 'APIs',
        left: [
          props.httpApi.metricCount({ period: oneMinute }),
          props.httpApi.metricServerError({ period: oneMinute }),
        ],
        right: [
          props.webSocketApi.metric('ConnectCount', { statistic: cloudwatch.Stats.SUM, period: oneMinute }),
          props.webSocketApi.metric('MessageCount', { statistic: cloudwatch.Stats.SUM, period: oneMinute }),
        ],
      }),
    )
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Lambda concurrency and throttles',
        left: [accountLambda('ConcurrentExecutions', cloudwatch.Stats.MAXIMUM)],
        right: [accountLambda('Throttles', cloudwatch.Stats.SUM)],
      }),
      new cloudwatch.GraphWidget({
        title: 'Notification queue',
        left: [props.queue.metricApproximateAgeOfOldestMessage(max)],
        right: [props.deadLetterQueue.metricApproximateNumberOfMessagesVisible(max)],
      }),
      new cloudwatch.GraphWidget({
        title: 'PostgreSQL and DynamoDB',
        left: [instance.metricDatabaseConnections(max)],
        right: [table('ReadThrottleEvents'), table('WriteThrottleEvents')],
      }),
    )
  }
}
