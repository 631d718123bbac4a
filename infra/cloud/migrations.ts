// Schema migrations at deploy time: a trigger runs functions/workers/migrate.ts before new function code goes live.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { Duration } from 'aws-cdk-lib'
import type * as logs from 'aws-cdk-lib/aws-logs'
import * as triggers from 'aws-cdk-lib/triggers'
import { Construct, type IConstruct } from 'constructs'
import { ChatFunction, projectRoot } from './chat-function.ts'
import type { Stores } from './stores.ts'

export const migrationsEntry = 'functions/workers/migrate.ts'

export interface SchemaMigrationsProps {
  stores: Stores
  logRetentionDays: logs.RetentionDays
  retainLogs: boolean
  stageName: string
  /** Deployed only after the migrations have run. */
  executeBefore: IConstruct[]
}

export class SchemaMigrations extends Construct {
  readonly migrate: ChatFunction

  constructor(scope: Construct, id: string, props: SchemaMigrationsProps) {
    super(scope, id)
    if (!existsSync(join(projectRoot, migrationsEntry))) {
      throw new Error(
        `${migrationsEntry} is missing: the deploy-time migration trigger runs it (export a \`handler\` that applies the migrations)`,
      )
    }
    this.migrate = new ChatFunction(this, 'Migrate', {
      spec: {
        entry: migrationsEntry,
        description: 'Deploy-time trigger: applies PostgreSQL migrations and MongoDB indexes',
        uses: ['postgres', 'mongo'],
        timeoutSeconds: 300,
      },
      stores: props.stores,
      stageName: props.stageName,
      logRetentionDays: props.logRetentionDays,
      retainLogs: props.retainLogs,
      verifiesTokens: false,
    })
    new triggers.Trigger(this, 'Trigger', {
      handler: this.migrate.function,
      // A new migration changes the bundle, so the trigger runs again; an unchanged deploy skips it.
      executeOnHandlerChange: true,
      executeBefore: props.executeBefore,
      timeout: Duration.minutes(5),
    })
  }
}
