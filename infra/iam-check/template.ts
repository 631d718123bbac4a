// The synthesized templates as the deployed stage would see them: intrinsics resolved to concrete ARNs for a
// stand-in account and Region, and each route-table function's role policies, environment and event sources.

type Json = unknown
interface Resource {
  Type: string
  Properties?: Record<string, Json>
  Metadata?: Record<string, Json>
}
export interface CfnTemplate {
  Resources: Record<string, Resource>
  Outputs?: Record<string, { Value: Json; Export?: { Name: Json } }>
}

/** The account and Region the check pretends to deploy to; any would do, as long as both sides use the same. */
export const stand = { partition: 'aws', region: 'us-east-1', account: '123456789012' } as const

export interface Stacks {
  /** By stack name. */
  templates: Record<string, CfnTemplate>
}

/** A physical name for a resource CloudFormation would name: stable, and unique within the stage. */
const generated = (stack: string, id: string) => `${stack}-${id}`.slice(0, 64)

export class TemplateResolver {
  constructor(private readonly stacks: Stacks) {}

  private resource(stack: string, id: string): Resource {
    const found = this.stacks.templates[stack]?.Resources[id]
    if (!found) throw new Error(`${stack} has no resource ${id}`)
    return found
  }

  private name(stack: string, id: string, property: string): string {
    const given = this.resource(stack, id).Properties?.[property]
    return given === undefined ? generated(stack, id) : String(this.resolve(stack, given))
  }

  /** What `Ref` gives for a resource of the types the service's policies and environment name. */
  ref(stack: string, id: string): string {
    const { partition, region, account } = stand
    const resource = this.resource(stack, id)
    switch (resource.Type) {
      case 'AWS::SQS::Queue':
        return `https://sqs.${region}.amazonaws.com/${account}/${this.name(stack, id, 'QueueName')}`
      case 'AWS::SecretsManager::Secret':
        return `arn:${partition}:secretsmanager:${region}:${account}:secret:${this.name(stack, id, 'Name')}-AbCdEf`
      case 'AWS::DynamoDB::Table':
        return this.name(stack, id, 'TableName')
      case 'AWS::S3::Bucket':
        return this.name(stack, id, 'BucketName').toLowerCase()
      case 'AWS::Lambda::Function':
        return this.name(stack, id, 'FunctionName')
      case 'AWS::IAM::Role':
        return this.name(stack, id, 'RoleName')
      case 'AWS::RDS::DBInstance':
        return this.name(stack, id, 'DBInstanceIdentifier')
      case 'AWS::RDS::DBProxy':
        return this.name(stack, id, 'DBProxyName')
      case 'AWS::ApiGatewayV2::Api':
        return id
          .toLowerCase()
          .replace(/[^a-z0-9]/g, '')
          .slice(0, 10)
      default:
        return id
    }
  }

  /** What `Fn::GetAtt` gives for the attributes the service's policies and environment use. */
  attribute(stack: string, id: string, attribute: string): string {
    const { partition, region, account } = stand
    const resource = this.resource(stack, id)
    const ref = this.ref(stack, id)
    const key = `${resource.Type}.${attribute}`
    switch (key) {
      case 'AWS::SQS::Queue.Arn':
        return `arn:${partition}:sqs:${region}:${account}:${ref.split('/').pop()}`
      case 'AWS::SQS::Queue.QueueName':
        return ref.split('/').pop() ?? ref
      case 'AWS::SQS::Queue.QueueUrl':
        return ref
      case 'AWS::DynamoDB::Table.Arn':
        return `arn:${partition}:dynamodb:${region}:${account}:table/${ref}`
      case 'AWS::S3::Bucket.Arn':
        return `arn:${partition}:s3:::${ref}`
      case 'AWS::IAM::Role.Arn':
        return `arn:${partition}:iam::${account}:role/${ref}`
      case 'AWS::Lambda::Function.Arn':
        return `arn:${partition}:lambda:${region}:${account}:function:${ref}`
      case 'AWS::RDS::DBProxy.Endpoint':
        return `${ref}.proxy-stand.${region}.rds.amazonaws.com`
      case 'AWS::RDS::DBInstance.Endpoint.Address':
        return `${ref}.stand.${region}.rds.amazonaws.com`
      case 'AWS::ApiGatewayV2::Api.ApiEndpoint':
        return `https://${ref}.execute-api.${region}.amazonaws.com`
      default:
        return `${ref}.${attribute}`
    }
  }

  private output(stackName: string, outputName: string): string {
    const output = this.stacks.templates[stackName]?.Outputs?.[outputName]
    if (!output) throw new Error(`${stackName} has no output ${outputName}`)
    return String(this.resolve(stackName, output.Value))
  }

  private exported(name: string): string {
    for (const [stack, template] of Object.entries(this.stacks.templates)) {
      for (const output of Object.values(template.Outputs ?? {})) {
        if (output.Export && this.resolve(stack, output.Export.Name) === name)
          return String(this.resolve(stack, output.Value))
      }
    }
    throw new Error(`no stack exports ${name}`)
  }

  /** `value` with every intrinsic the templates use replaced by what it would be in the deployed stage. */
  resolve(stack: string, value: Json): Json {
    if (Array.isArray(value)) return value.map((item) => this.resolve(stack, item))
    if (typeof value !== 'object' || value === null) return value
    const entries = Object.entries(value)
    const [first] = entries
    if (entries.length === 1 && first) {
      const [fn, args] = first as [string, Json]
      const list = args as Json[]
      switch (fn) {
        case 'Ref': {
          const pseudo: Record<string, string> = {
            'AWS::Partition': stand.partition,
            'AWS::Region': stand.region,
            'AWS::AccountId': stand.account,
            'AWS::URLSuffix': 'amazonaws.com',
            'AWS::StackName': stack,
          }
          return pseudo[args as string] ?? this.ref(stack, args as string)
        }
        case 'Fn::GetAtt': {
          const [id, attribute] = (typeof args === 'string' ? args.split(/\.(.*)/s) : list) as [
            string,
            string,
          ]
          return this.attribute(stack, id, attribute)
        }
        case 'Fn::Join':
          return (this.resolve(stack, list[1]) as Json[]).map(String).join(String(list[0]))
        case 'Fn::Select':
          return (this.resolve(stack, list[1]) as Json[])[Number(this.resolve(stack, list[0]))]
        case 'Fn::Split':
          return String(this.resolve(stack, list[1])).split(String(list[0]))
        case 'Fn::GetStackOutput': {
          const { StackName, OutputName } = args as { StackName: string; OutputName: string }
          return this.output(StackName, OutputName)
        }
        case 'Fn::ImportValue':
          return this.exported(String(this.resolve(stack, args)))
      }
    }
    return Object.fromEntries(entries.map(([key, item]) => [key, this.resolve(stack, item)]))
  }
}

export interface PolicyDocument {
  Version?: string
  Statement: { Effect: string; Action: string | string[]; Resource: string | string[]; Condition?: Json }[]
}

/** One route-table function as deployed: its role's policies, its environment, what polls a queue for it. */
export interface DeployedFunction {
  name: string
  roleArn: string
  policies: { name: string; policy: PolicyDocument }[]
  /** AWS managed policies attached to the role: named here, not evaluated (their documents are AWS's). */
  managedPolicies: string[]
  environment: Record<string, string>
  /** Queue ARNs of the SQS event source mappings that invoke it (Lambda polls them with its role). */
  queueSources: string[]
}

const pathOf = (resource: Resource) => String(resource.Metadata?.['aws:cdk:path'] ?? '')

/** The function of `name` in the stateless stack, by its construct path `<stack>/<name>/Function/Resource`. */
export function deployedFunction(
  resolver: TemplateResolver,
  stacks: Stacks,
  stack: string,
  name: string,
): DeployedFunction {
  const template = stacks.templates[stack]
  if (!template) throw new Error(`no stack ${stack}`)
  const resources = Object.entries(template.Resources)
  const [functionId, lambda] =
    resources.find(
      ([, r]) => r.Type === 'AWS::Lambda::Function' && pathOf(r) === `${stack}/${name}/Function/Resource`,
    ) ?? []
  if (!functionId || !lambda) throw new Error(`${stack} has no function ${name}`)
  const roleRef = lambda.Properties?.Role as { 'Fn::GetAtt'?: [string, string] } | undefined
  const roleId = roleRef?.['Fn::GetAtt']?.[0] ?? ''
  const role = template.Resources[roleId]
  const attached = resources.filter(
    ([, r]) =>
      r.Type === 'AWS::IAM::Policy' &&
      (r.Properties?.Roles as Json[] | undefined)?.some((ref) => (ref as { Ref?: string }).Ref === roleId),
  )
  const inline =
    (role?.Properties?.Policies as { PolicyName: string; PolicyDocument: Json }[] | undefined) ?? []
  const policies = [
    ...attached.map(([id, r]) => ({
      name: id,
      policy: resolver.resolve(stack, r.Properties?.PolicyDocument) as PolicyDocument,
    })),
    ...inline.map((p) => ({
      name: p.PolicyName,
      policy: resolver.resolve(stack, p.PolicyDocument) as PolicyDocument,
    })),
  ]
  const variables =
    (lambda.Properties?.Environment as { Variables?: Record<string, Json> } | undefined)?.Variables ?? {}
  const queueSources = resources
    .filter(
      ([, r]) =>
        r.Type === 'AWS::Lambda::EventSourceMapping' &&
        (r.Properties?.FunctionName as { Ref?: string } | undefined)?.Ref === functionId,
    )
    .map(([, r]) => String(resolver.resolve(stack, r.Properties?.EventSourceArn)))
  return {
    name,
    roleArn: resolver.attribute(stack, roleId, 'Arn'),
    policies,
    managedPolicies: ((role?.Properties?.ManagedPolicyArns as Json[] | undefined) ?? []).map((arn) =>
      String(resolver.resolve(stack, arn)),
    ),
    environment: Object.fromEntries(
      Object.entries(variables).map(([key, value]) => [key, String(resolver.resolve(stack, value))]),
    ),
    queueSources,
  }
}

/** Resource policies (bucket and queue policies) by the ARN of the resource they guard. */
export function resourcePolicies(resolver: TemplateResolver, stacks: Stacks): Map<string, PolicyDocument> {
  const found = new Map<string, PolicyDocument>()
  for (const [stack, template] of Object.entries(stacks.templates)) {
    for (const resource of Object.values(template.Resources)) {
      const document = () => resolver.resolve(stack, resource.Properties?.PolicyDocument) as PolicyDocument
      if (resource.Type === 'AWS::S3::BucketPolicy') {
        found.set(
          `arn:${stand.partition}:s3:::${resolver.resolve(stack, resource.Properties?.Bucket)}`,
          document(),
        )
      }
      if (resource.Type === 'AWS::SQS::QueuePolicy') {
        for (const queue of (resource.Properties?.Queues as Json[] | undefined) ?? []) {
          const url = String(resolver.resolve(stack, queue))
          found.set(
            `arn:${stand.partition}:sqs:${stand.region}:${stand.account}:${url.split('/').pop()}`,
            document(),
          )
        }
      }
    }
  }
  return found
}
