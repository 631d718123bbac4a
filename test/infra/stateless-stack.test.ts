import { Match, type Template } from 'aws-cdk-lib/assertions'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { RouteTable } from '../../infra/cloud/route-table.ts'
import { routeTable } from '../../infra/cloud/route-table.ts'
import { corsPolicy } from '../../infra/cors.ts'
import { notificationQueue } from '../../infra/resources.ts'
import type { Store } from '../../infra/routes.ts'
import { fixtureRoutes } from './fixture-routes.ts'
import { removeSynthOutputs, synth } from './synth.ts'

afterAll(removeSynthOutputs)

type Resource = { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown> }
type Statement = { Action: string | string[]; Resource: unknown; Effect: string; Condition?: unknown }

/** The template's view of one table function: its Lambda, its role policy statements. */
function functionView(template: Template, name: string) {
  const resources = template.toJSON().Resources as Record<string, Resource>
  const byPath = (path: string) =>
    Object.entries(resources).find(([, r]) =>
      (r.Metadata?.['aws:cdk:path'] as string | undefined)?.endsWith(path),
    )
  const [logicalId, lambda] = byPath(`/${name}/Function/Resource`) ?? []
  if (!logicalId || !lambda) throw new Error(`no Lambda function for ${name}`)
  const policy = byPath(`/${name}/Function/ServiceRole/DefaultPolicy/Resource`)?.[1]
  const statements = ((policy?.Properties.PolicyDocument as { Statement: Statement[] } | undefined)
    ?.Statement ?? []) as Statement[]
  const actions = statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]))
  return { logicalId, props: lambda.Properties, statements, actions }
}

/** Whether the statements let the role send to the queue whose logical id contains `queue`. */
const sendsTo = (statements: Statement[], queue: string) =>
  statements.some(
    (st) => [st.Action].flat().includes('sqs:SendMessage') && JSON.stringify(st.Resource).includes(queue),
  )

/** A value read from the stateful stack's output whose name matches `pattern` (Match for templates, expect for values). */
const statefulOutput = (pattern: string) =>
  Match.objectLike({
    'Fn::GetStackOutput': Match.objectLike({ OutputName: Match.stringLikeRegexp(pattern) }),
  })
const statefulValue = (pattern: string) =>
  expect.objectContaining({
    'Fn::GetStackOutput': expect.objectContaining({ OutputName: expect.stringMatching(pattern) }),
  })

describe.each([
  ['the route table', routeTable],
  ['a route table with an authorizer, a consumer and a schedule', fixtureRoutes],
])('functions of %s', (_label, routes: RouteTable) => {
  let template: Template
  beforeAll(() => {
    template = synth({ routes }).statelessTemplate
  })
  const names = Object.keys(routes.functions)

  test.each(names)(
    '%s runs nodejs22.x on arm64, traced, with its own log retention, no source maps indexed at start',
    (name) => {
      const { props } = functionView(template, name)
      expect(props).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
      })
      // The bundle maps its stacks when one is formatted (infra/cloud/bundling/source-mapped-stacks.ts).
      expect((props.Environment as { Variables: Record<string, string> }).Variables).not.toHaveProperty(
        'NODE_OPTIONS',
      )
      const logGroup = (props.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref
      expect(template.toJSON().Resources[logGroup].Properties.RetentionInDays).toBe(14)
    },
  )

  test.each(names)(
    '%s is in the private subnets with the proxy client group exactly when it uses postgres',
    (name) => {
      const { props } = functionView(template, name)
      const uses = routes.functions[name]?.uses as readonly Store[]
      if (uses.includes('postgres')) {
        expect(props.VpcConfig).toEqual({
          SecurityGroupIds: [statefulValue('DatabaseClientSecurityGroup')],
          SubnetIds: [statefulValue('functionsSubnet1'), statefulValue('functionsSubnet2')],
        })
      } else {
        expect(props.VpcConfig).toBeUndefined()
      }
    },
  )

  test.each(names)(
    '%s holds no credential in its environment, and names only the secrets of the stores it uses',
    (name) => {
      const variables = (
        functionView(template, name).props.Environment as { Variables: Record<string, unknown> }
      ).Variables
      for (const [key, value] of Object.entries(variables)) {
        expect(key).not.toMatch(/PASSWORD|TOKEN|DATABASE_URL|MONGO_URL|SIGNING_KEYS|PUBLIC_KEYS$/)
        if (key.includes('SECRET')) expect(key).toMatch(/_SECRET_ARN$/)
        expect(JSON.stringify(value)).not.toContain('{{resolve:secretsmanager')
      }
      const uses = routes.functions[name]?.uses as readonly Store[]
      const secretOf: [Store, string, string][] = [
        ['postgres', 'DATABASE_SECRET_ARN', 'RefDatabaseSecret'],
        ['mongo', 'MONGO_SECRET_ARN', 'SecretsMongo'],
        ['redis', 'UPSTASH_SECRET_ARN', 'SecretsUpstash'],
        ['signingKey', 'JWT_SIGNING_SECRET_ARN', 'SecretsJwtSigningKeys'],
        ['pushKeys', 'VAPID_SECRET_ARN', 'SecretsVapidKeys'],
        ['oauthClients', 'OAUTH_SECRET_ARN', 'SecretsOAuthClients'],
      ]
      for (const [store, variable, output] of secretOf) {
        if (uses.includes(store)) expect(variables[variable]).toEqual(statefulValue(output))
        else expect(variables[variable]).toBeUndefined()
      }
      if (uses.includes('postgres')) {
        expect(variables).toMatchObject({
          DATABASE_HOST: statefulValue('DatabaseInstanceProxy.*Endpoint'),
          DATABASE_SSL: 'true',
        })
      }
      expect(variables).toMatchObject({
        STAGE: 'dev',
        ALLOWED_ORIGINS: 'http://localhost:5173',
        IDLE_TIMEOUT_MINUTES: '5',
        UPLOAD_MAX_BYTES: String(25 * 1024 * 1024),
      })
      // A resource's name goes only to the functions that use (or probe) it.
      const reaches = [...uses, ...(routes.functions[name]?.probes ?? [])] as readonly Store[]
      const named: [Store, string, unknown][] = [
        ['connections', 'CONNECTIONS_TABLE', 'chat-service-dev-connections'],
        ['uploads', 'UPLOADS_BUCKET', expect.anything()],
        ['notifications', 'NOTIFICATIONS_QUEUE_URL', statefulValue('RefNotificationQueue')],
        ['delivery', 'DELIVERY_QUEUE_URL', statefulValue('RefDeliveryQueue')],
      ]
      for (const [store, variable, value] of named) {
        if (reaches.includes(store)) expect(variables[variable]).toEqual(value)
        else expect(variables[variable]).toBeUndefined()
      }
      if (uses.includes('wsManagement')) {
        expect(JSON.stringify(variables.WS_MANAGEMENT_ENDPOINT)).toMatch(/"https:\/\/".*execute-api.*"\/dev"/)
      }
    },
  )

  /** What each store in `uses` must grant, recognised in the role's statements. */
  const grantOf: Record<Store, (statements: Statement[], actions: string[]) => boolean> = {
    postgres: (s) => s.some((st) => JSON.stringify(st.Resource).includes('RefDatabaseSecret')),
    mongo: (s) => s.some((st) => JSON.stringify(st.Resource).includes('SecretsMongo')),
    redis: (s) => s.some((st) => JSON.stringify(st.Resource).includes('SecretsUpstash')),
    connections: (_s, a) => a.includes('dynamodb:PutItem'),
    uploads: (_s, a) => a.includes('s3:PutObject') && a.includes('s3:GetObject'),
    notifications: (s) => sendsTo(s, 'NotificationQueue'),
    delivery: (s) => sendsTo(s, 'DeliveryQueue'),
    wsManagement: (_s, a) => a.includes('execute-api:ManageConnections'),
    signingKey: (s) => s.some((st) => JSON.stringify(st.Resource).includes('SecretsJwtSigningKeys')),
    pushKeys: (s) => s.some((st) => JSON.stringify(st.Resource).includes('SecretsVapidKeys')),
    mail: (_s, a) => a.includes('ses:SendEmail'),
    oauthClients: (s) => s.some((st) => JSON.stringify(st.Resource).includes('SecretsOAuthClients')),
  }

  test.each(names)('%s is granted exactly the stores it uses', (name) => {
    const { statements, actions } = functionView(template, name)
    const uses = routes.functions[name]?.uses as readonly Store[]
    for (const store of Object.keys(grantOf) as Store[]) {
      expect({ store, granted: grantOf[store](statements, actions) }).toEqual({
        store,
        granted: uses.includes(store),
      })
    }
    expect(actions.filter((action) => action.startsWith('s3:')).some((a) => a.startsWith('s3:Delete'))).toBe(
      false,
    )
  })

  test('only the functions using the push keys (the notify worker and the push API) may read them, with GetSecretValue alone', () => {
    const readers = names.filter((name) =>
      functionView(template, name).statements.some((statement) =>
        JSON.stringify(statement.Resource).includes('SecretsVapidKeys'),
      ),
    )
    const users = names.filter((name) =>
      ((routes.functions[name]?.uses ?? []) as readonly Store[]).includes('pushKeys'),
    )
    expect(readers.sort()).toEqual(users.sort())
    if (routes === routeTable) expect(readers).toEqual(['notify', 'push'])
    for (const name of readers) {
      const statement = functionView(template, name).statements.find((s) =>
        JSON.stringify(s.Resource).includes('SecretsVapidKeys'),
      )
      expect(statement?.Action).toBe('secretsmanager:GetSecretValue')
    }
  })

  test("connections users may query the table's byUser index, which a grant on the table alone does not reach", () => {
    for (const name of names) {
      if (!((routes.functions[name]?.uses ?? []) as readonly Store[]).includes('connections')) continue
      const query = functionView(template, name).statements.find((s) =>
        [s.Action].flat().includes('dynamodb:Query'),
      )
      expect(JSON.stringify(query?.Resource)).toMatch(/:table\/chat-service-dev-connections\/index\/byUser"/)
    }
  })

  test("ManageConnections is allowed only on this stage's @connections", () => {
    for (const name of names) {
      const manage = functionView(template, name).statements.filter(
        (s) => s.Action === 'execute-api:ManageConnections',
      )
      for (const statement of manage) {
        expect(statement.Resource).toEqual({
          'Fn::Join': [
            '',
            expect.arrayContaining([
              { Ref: expect.stringMatching(/^WebSocketApi/) },
              '/dev/*/@connections/*',
            ]),
          ],
        })
      }
    }
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Action: 'execute-api:ManageConnections',
            Effect: 'Allow',
            Resource: {
              'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('/dev/\\*/@connections/\\*')])],
            },
          },
        ]),
      },
    })
  })

  test('only functions that issue tokens read the private signing key; every verifier reads the public keys alone', () => {
    const verifiers = new Set([
      ...routes.httpRoutes.map((route) => route.function),
      ...(routes.webSocket.authorizer ? [routes.webSocket.authorizer.function] : []),
    ])
    const issuers = names.filter((name) =>
      ((routes.functions[name]?.uses ?? []) as readonly Store[]).includes('signingKey'),
    )
    // Password sign-in and provider sign-in (its code exchange) are the two places sessions start.
    expect(issuers).toEqual(['auth', 'oauth'])
    for (const name of names) {
      const { statements, props } = functionView(template, name)
      const reads = (output: string) =>
        statements.some(
          (s) =>
            JSON.stringify(s.Resource).includes(output) &&
            [s.Action].flat().includes('secretsmanager:GetSecretValue'),
        )
      const variables = (props.Environment as { Variables: Record<string, unknown> }).Variables
      expect({
        name,
        signing: reads('SecretsJwtSigningKeys'),
        public: reads('SecretsJwtPublicKeys'),
      }).toEqual({
        name,
        signing: issuers.includes(name),
        public: verifiers.has(name),
      })
      expect(JSON.stringify(variables.JWT_SIGNING_SECRET_ARN ?? null).includes('JwtSigningKeys')).toBe(
        issuers.includes(name),
      )
      expect(JSON.stringify(variables.JWT_PUBLIC_KEYS_SECRET_ARN ?? null).includes('JwtPublicKeys')).toBe(
        verifiers.has(name),
      )
    }
  })

  test("the HTTP API has exactly the table's routes, one integration per function", () => {
    const routeKeys = Object.values(template.findResources('AWS::ApiGatewayV2::Route'))
      .filter((r) => JSON.stringify(r.Properties.ApiId).includes('HttpApi'))
      .map((r) => r.Properties.RouteKey)
    expect(routeKeys.sort()).toEqual(routes.httpRoutes.map((r) => `${r.method} ${r.path}`).sort())
    const httpIntegrations = Object.values(template.findResources('AWS::ApiGatewayV2::Integration')).filter(
      (r) => JSON.stringify(r.Properties.ApiId).includes('HttpApi'),
    )
    expect(httpIntegrations).toHaveLength(new Set(routes.httpRoutes.map((r) => r.function)).size)
  })

  test("the WebSocket API has exactly the table's routes, selected by the table's expression", () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'WEBSOCKET',
      RouteSelectionExpression: routes.webSocket.routeSelectionExpression,
    })
    const routeKeys = Object.values(template.findResources('AWS::ApiGatewayV2::Route'))
      .filter((r) => JSON.stringify(r.Properties.ApiId).includes('WebSocketApi'))
      .map((r) => r.Properties.RouteKey)
    expect(routeKeys.sort()).toEqual(routes.webSocket.routes.map((r) => r.routeKey).sort())
  })

  test('both stages write access logs without query strings', () => {
    for (const stageName of ['$default', 'dev']) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: stageName,
        AccessLogSettings: {
          DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('AccessLogs'), 'Arn'] },
          Format: Match.stringLikeRegexp('\\$context.requestId'),
        },
      })
    }
    for (const stage of Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))) {
      expect(stage.Properties.AccessLogSettings.Format).not.toMatch(/querystring|requestOverride|path/i)
    }
  })

  test("CORS on the HTTP API allows the stage's origins, with the policy the local gateway answers by", () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      CorsConfiguration: {
        AllowOrigins: ['http://localhost:5173'],
        AllowMethods: [...corsPolicy.allowMethods],
        AllowHeaders: [...corsPolicy.allowHeaders],
        ExposeHeaders: [...corsPolicy.exposeHeaders],
        MaxAge: corsPolicy.maxAgeSeconds,
      },
    })
  })

  test('migrations run by a trigger before any function is updated', () => {
    const migrate = functionView(template, 'SchemaMigrations/Migrate')
    expect(migrate.props.VpcConfig).toBeDefined()
    const [triggerId] = Object.keys(
      template.findResources('Custom::Trigger', {
        Properties: {
          HandlerArn: { Ref: Match.stringLikeRegexp('^SchemaMigrationsMigrateFunctionCurrentVersion') },
        },
      }),
    )
    expect(triggerId).toBeDefined()
    template.hasResourceProperties('Custom::Trigger', {
      ExecuteOnHandlerChange: true,
      InvocationType: 'RequestResponse',
    })
    const resources = template.toJSON().Resources as Record<string, Resource & { DependsOn?: string[] }>
    for (const name of names) {
      expect(resources[functionView(template, name).logicalId]?.DependsOn).toContain(triggerId)
    }
  })

  test("alarms: dead-letter depth, each function's errors, 5xx of both APIs, all to the SNS topic", () => {
    const toTopic = { AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlarmsTopic') }] }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...toTopic,
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: statefulOutput('DeadLetterQueue.*QueueName') }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    })
    for (const name of [...names, 'SchemaMigrations/Migrate']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        ...toTopic,
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionView(template, name).logicalId } }],
        Threshold: 0,
      })
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...toTopic,
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      Dimensions: [{ Name: 'ApiId', Value: { Ref: Match.stringLikeRegexp('^HttpApi') } }],
    })
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...toTopic,
      Metrics: Match.arrayWith([
        Match.objectLike({
          MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'IntegrationError' }) }),
        }),
        Match.objectLike({
          MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'ExecutionError' }) }),
        }),
      ]),
    })
  })

  test('outputs give the HTTPS and WSS URLs', () => {
    template.hasOutput('HttpApiUrl', {
      Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^HttpApi'), 'ApiEndpoint'] },
    })
    template.hasOutput('WebSocketUrl', { Value: { 'Fn::Join': ['', Match.arrayWith(['wss://', '/dev'])] } })
  })
})

describe('grants limited to the calls made', () => {
  let template: Template
  beforeAll(() => {
    template = synth().statelessTemplate
  })

  test('health gets the one read each probe makes, and nothing that writes', () => {
    const { statements } = functionView(template, 'health')
    const of = (prefix: string) =>
      statements.filter((s) => [s.Action].flat().some((a) => a.startsWith(prefix))).map((s) => s.Action)
    expect(of('s3:')).toEqual(['s3:ListBucket'])
    expect(of('dynamodb:')).toEqual(['dynamodb:GetItem'])
    expect(of('sqs:')).toEqual(['sqs:GetQueueAttributes'])
  })

  test('uploads users get the object calls the service makes, and no wildcard action', () => {
    const { actions } = functionView(template, 'uploads')
    expect(actions.filter((a) => a.startsWith('s3:')).sort()).toEqual([
      's3:GetObject',
      's3:GetObjectTagging',
      's3:ListBucket',
      's3:PutObject',
      's3:PutObjectTagging',
    ])
  })

  test('the first admin of a private database: an operator-invoked function under a name known in advance', () => {
    const { props, statements } = functionView(template, 'createAdmin')
    expect(props.FunctionName).toBe('chat-service-dev-createAdmin')
    expect(props.VpcConfig).toBeDefined()
    expect(statements).toEqual([
      expect.objectContaining({
        Action: 'secretsmanager:GetSecretValue',
        Resource: [statefulValue('RefDatabaseSecret'), statefulValue('SecretsMongo')],
      }),
    ])
    // Not routed: nothing but an operator's lambda:InvokeFunction reaches it.
    expect(
      template.findResources('AWS::Lambda::Permission', {
        Properties: {
          FunctionName: Match.objectLike({
            'Fn::GetAtt': [functionView(template, 'createAdmin').logicalId, 'Arn'],
          }),
        },
      }),
    ).toEqual({})
  })

  test('password hashing functions are sized for Argon2 (a hash under 50 ms: DEPLOY.md)', () => {
    for (const name of ['auth', 'users', 'createAdmin'])
      expect(functionView(template, name).props.MemorySize).toBe(1536)
    expect(functionView(template, 'friends').props.MemorySize).toBe(512)
  })
})

describe('what the table adds as features land', () => {
  let template: Template
  let queueVisibility: number
  beforeAll(() => {
    const synthesized = synth({ routes: fixtureRoutes })
    template = synthesized.statelessTemplate
    const queues = synthesized.statefulTemplate.findResources('AWS::SQS::Queue', {
      Properties: { RedrivePolicy: Match.anyValue() },
    })
    queueVisibility = Object.values(queues)[0]?.Properties.VisibilityTimeout
  })

  test("a Lambda REQUEST authorizer guards $connect, with the table's identity source", () => {
    const [authorizerId] = Object.keys(
      template.findResources('AWS::ApiGatewayV2::Authorizer', {
        Properties: { AuthorizerType: 'REQUEST', IdentitySource: ['route.request.querystring.token'] },
      }),
    )
    expect(authorizerId).toBeDefined()
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: '$connect',
      AuthorizationType: 'CUSTOM',
      AuthorizerId: { Ref: authorizerId },
    })
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'sendMessage',
      AuthorizationType: 'NONE',
    })
  })

  test('a large room fans out through the delivery worker: outside the VPC, fed by the delivery queue', () => {
    const deliver = functionView(template, 'deliver')
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: deliver.logicalId },
      EventSourceArn: statefulOutput('DeliveryQueue.*Arn'),
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    })
    expect(deliver.props.VpcConfig).toBeUndefined()
    expect(deliver.actions).toEqual(
      expect.arrayContaining(['dynamodb:BatchGetItem', 'execute-api:ManageConnections', 'sqs:SendMessage']),
    )
    // The senders queue the jobs: both ways of sending may write to the delivery queue.
    for (const sender of ['wsSendMessage', 'conversations']) {
      expect(functionView(template, sender).props.Environment).toMatchObject({
        Variables: expect.objectContaining({ DELIVERY_QUEUE_URL: statefulValue('RefDeliveryQueue') }),
      })
      expect(sendsTo(functionView(template, sender).statements, 'DeliveryQueue')).toBe(true)
    }
  })

  test('the notification worker consumes the queue with partial batch responses', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: functionView(template, 'notify').logicalId },
      EventSourceArn: statefulOutput('NotificationQueue.*Arn'),
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    })
  })

  test("the queue's visibility timeout is at least six times its consumer's timeout", () => {
    const timeout = functionView(template, 'notify').props.Timeout as number
    expect(queueVisibility).toBe(notificationQueue.visibilityTimeoutSeconds)
    expect(queueVisibility).toBeGreaterThanOrEqual(6 * timeout)
  })

  test('a failed reaper run is not retried by Lambda, so runs never overlap', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: functionView(template, 'reapIdle').logicalId },
      MaximumRetryAttempts: 0,
      Qualifier: '$LATEST',
    })
  })

  test('the idle reaper runs on an EventBridge schedule', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [
        Match.objectLike({ Arn: { 'Fn::GetAtt': [functionView(template, 'reapIdle').logicalId, 'Arn'] } }),
      ],
    })
  })
})

describe('the table is checked before anything is built', () => {
  const withTable = (change: Partial<RouteTable>) => () => synth({ routes: { ...fixtureRoutes, ...change } })

  test('a consumer slower than a sixth of the visibility timeout fails synth', () => {
    const slow = { ...fixtureRoutes.functions.notify, timeoutSeconds: 60 } as RouteTable['functions'][string]
    expect(withTable({ functions: { ...fixtureRoutes.functions, notify: slow } })).toThrow(
      /under 6 x notify's timeout/,
    )
  })

  test("a receive count that differs from the queue's fails synth", () => {
    const consumers = [
      { ...fixtureRoutes.queueConsumers[0], maxReceiveCount: 3 },
    ] as RouteTable['queueConsumers']
    expect(withTable({ queueConsumers: consumers })).toThrow(/maxReceiveCount 3/)
  })

  test('an authorizer without a $connect route fails synth', () => {
    const routes = fixtureRoutes.webSocket.routes.filter((route) => route.routeKey !== '$connect')
    expect(withTable({ webSocket: { ...fixtureRoutes.webSocket, routes } })).toThrow(/no \$connect route/)
  })

  test('a route naming an unknown function fails synth', () => {
    const httpRoutes = [{ method: 'GET', path: '/nope', function: 'nope' }] as RouteTable['httpRoutes']
    expect(withTable({ httpRoutes })).toThrow(/HTTP GET \/nope -> nope/)
  })
})

describe('account mail and sign-in providers', () => {
  test('only the auth function sends mail: SendEmail on the identity and configuration set, from its address', () => {
    const template = synth({ stage: 'dev' }).statelessTemplate
    for (const name of Object.keys(routeTable.functions)) {
      const { statements } = functionView(template, name)
      const sending = statements.filter((s) => [s.Action].flat().some((a) => String(a).startsWith('ses:')))
      if (name !== 'auth') {
        expect(sending).toEqual([])
        continue
      }
      expect(sending).toHaveLength(1)
      expect(sending[0]?.Action).toBe('ses:SendEmail')
      expect(sending[0]?.Condition).toEqual({ StringEquals: { 'ses:FromAddress': 'no-reply@example.com' } })
      const resources = JSON.stringify(sending[0]?.Resource)
      expect(resources).toMatch(/:identity\/no-reply@example.com"/)
      expect(resources).toMatch(/:configuration-set\/chat-service-dev"/)
      expect(resources).not.toContain('*')
    }
  })
})
