// Generates the JWT signing keys when the secret is created and rotates them every 30 days.
import { join } from 'node:path'
import { Duration } from 'aws-cdk-lib'
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs'
import type * as logs from 'aws-cdk-lib/aws-logs'
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager'
import { Construct } from 'constructs'
import { nodejsFunctionDefaults } from './chat-function.ts'
import { acknowledge, lambdaFindings } from './nag.ts'

export interface SigningKeyRotationProps {
  secret: secretsmanager.Secret
  logRetentionDays: logs.RetentionDays
}

export class SigningKeyRotation extends Construct {
  readonly function: nodejs.NodejsFunction

  constructor(scope: Construct, id: string, props: SigningKeyRotationProps) {
    super(scope, id)
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      ...nodejsFunctionDefaults(this, props.logRetentionDays),
      description:
        'Rotates the JWT signing keys: the published next key starts signing, a new next key is made',
      entry: join(import.meta.dirname, 'signing-key-rotation.lambda.ts'),
      timeout: Duration.seconds(30),
      memorySize: 256,
    })
    // Rotating at creation replaces the placeholder value with the first real keys.
    props.secret.addRotationSchedule('Rotation', {
      rotationLambda: this.function,
      automaticallyAfter: Duration.days(30),
      rotateImmediatelyOnUpdate: true,
    })
    acknowledge(this.function, {
      ...lambdaFindings,
      'AwsSolutions-IAM5[Resource::*]':
        'X-Ray tracing and secretsmanager:GetRandomPassword (granted with every rotation function) accept only "*"',
    })
  }
}
