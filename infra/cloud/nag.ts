// cdk-nag acknowledgements: one reason per finding, attached where the resource is made.
import { Validations } from 'aws-cdk-lib'
import type { IConstruct } from 'constructs'

export function acknowledge(scope: IConstruct, findings: Record<string, string>): void {
  for (const [id, reason] of Object.entries(findings)) Validations.of(scope).acknowledge({ id, reason })
}

/** How cdk-nag writes an ARN in a finding: pseudo parameters and references as `<Name>`. */
export const nagArn = {
  partition: '<AWS::Partition>',
  region: '<AWS::Region>',
  account: '<AWS::AccountId>',
}

export const lambdaFindings = {
  'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]':
    "AWS's basic execution policy only lets the function write its own CloudWatch logs",
  'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AWSXRayDaemonWriteAccess]':
    "AWS's X-Ray write policy: trace segments and telemetry (active tracing), which accept no resource but *",
  'AwsSolutions-L1':
    'nodejs22.x is the runtime the stack pins, matching the Node 22 of CI; moving to 24 is a deliberate, tested change',
}

export const vpcLambdaFindings = {
  'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]':
    "AWS's VPC access policy is the ENI create/describe/delete a function in a VPC needs, nothing more",
}
