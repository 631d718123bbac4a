// Scheduled jobs from the route table (the idle reaper among them) on EventBridge rules.
import { Duration } from 'aws-cdk-lib'
import * as events from 'aws-cdk-lib/aws-events'
import * as targets from 'aws-cdk-lib/aws-events-targets'
import type * as lambda from 'aws-cdk-lib/aws-lambda'
import { Construct } from 'constructs'
import type { RouteTable } from './route-table.ts'

export interface SchedulesProps {
  schedules: RouteTable['schedules']
  functions: (name: string) => lambda.Function
}

export class Schedules extends Construct {
  constructor(scope: Construct, id: string, props: SchedulesProps) {
    super(scope, id)
    for (const schedule of props.schedules) {
      const fn = props.functions(schedule.function)
      // EventBridge invokes asynchronously, and Lambda retries a failed async run twice by default: a retry
      // would overlap the next scheduled run, which covers a missed one anyway.
      fn.configureAsyncInvoke({ retryAttempts: 0 })
      new events.Rule(this, schedule.name, {
        description: `${schedule.name}: every ${schedule.everyMinutes} minute(s)`,
        schedule: events.Schedule.rate(Duration.minutes(schedule.everyMinutes)),
        // A missed run is covered by the next one; a retry could overlap it.
        targets: [new targets.LambdaFunction(fn, { retryAttempts: 0 })],
      })
    }
  }
}
