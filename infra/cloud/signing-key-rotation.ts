// Generates the JWT signing keys when the secret is created, rotates them every 30 days, and publishes their
// public halves to the public-keys secret at each rotation.
import { join } from 'node:path'
import { Duration } from 'aws-cdk-lib'
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs'
import type * as logs from 'aws-cdk-lib/aws-logs'
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager'
import { Construct } from 'constructs'
import { nodejsFunctionDefaults, traceActively } from './chat-function.ts'
import { acknowledge, lambdaFindings } from './nag.ts'

export interface SigningKeyRotationProps {
  secret: secretsmanager.Secret
  /** Written with the public keys of each new list; the only secret besides `secret` the function touches. */
  publicKeys: secretsmanager.Secret
  logRetentionDays: logs.RetentionDays
  retainLogs: boolean
}

export class SigningKeyRotation extends Construct {
  readonly function: nodejs.NodejsFunction

  constructor(scope: Construct, id: string, props: SigningKeyRotationProps) {
    super(scope, id)
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      ...nodejsFunctionDefaults(this, props.logRetentionDays, props.retainLogs),
      description:
        'Rotates the JWT signing keys: the published next key starts signing, a new next key is made',
      entry: join(import.meta.dirname, 'signing-key-rotation.lambda.ts'),
      timeout: Duration.seconds(30),
      memorySize: 256,
      environment: { PUBLIC_KEYS_SECRET_ARN: props.publicKeys.secretArn },
    })
    props.publicKeys.grantWrite(this.function)
    traceActively(this.function)
    // Rotating at creation replaces the placeholder value with the first real keys.
    props.secret.addRotationSchedule('Rotation', {
      rotationLambda: this.function,
      automaticallyAfter: Duration.days(30),
      rotateImmediatelyOnUpdate: true,
    })
    acknowledge(this.function, {
      ...lambdaFindings,
      'AwsSolutions-IAM5[Resource::*]':
        'secretsmanager:GetRandomPassword, which CDK grants every rotation function, accepts no resource but *',
    })
  }
}
