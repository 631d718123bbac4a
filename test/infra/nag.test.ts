import type { PolicyViolation } from 'aws-cdk-lib'
import { App, Validations } from 'aws-cdk-lib'
import * as sqs from 'aws-cdk-lib/aws-sqs'
import { AwsSolutionsChecks } from 'cdk-nag'
import type { IConstruct } from 'constructs'
import { afterAll, describe, expect, test } from 'vitest'
import { chatService } from '../../infra/cloud/service.ts'
import { stageConfig } from '../../infra/cloud/stage-config.ts'
import { fixtureRoutes } from './fixture-routes.ts'
import { cdkJson, removeSynthOutputs, synth } from './synth.ts'

afterAll(removeSynthOutputs)

const describeViolation = (violation: PolicyViolation) =>
  `${violation.ruleName}: ${violation.description}\n    ${violation.violatingResources.map((r) => r.constructPath).join('\n    ')}`

/** Every acknowledgement under `scope`, as [construct path, rule id, reason]. */
function acknowledgements(scope: IConstruct): [string, string, string][] {
  return scope.node
    .findAll()
    .flatMap((construct) =>
      construct.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) =>
          Object.entries(entry.data as Record<string, string>).map(
            ([rule, reason]) => [construct.node.path, rule, reason] as [string, string, string],
          ),
        ),
    )
}

describe.each([
  ['dev', synth({ stage: 'dev' })],
  [
    'prod with every route kind and a custom domain',
    synth({
      stage: 'prod',
      routes: fixtureRoutes,
      settings: {
        domainName: 'chat.example.com',
        hostedZoneId: 'Z0123456789ABCDEFGHIJ',
        alarmEmail: 'ops@example.com',
      },
    }),
  ],
])('cdk-nag AwsSolutions on %s', (_label, { app }) => {
  const report = new AwsSolutionsChecks().validateScope(app)

  test('no error is left unacknowledged', () => {
    const errors = report.violations.filter((violation) => violation.severity === 'error')
    expect(errors.map(describeViolation)).toEqual([])
  })

  test('no warning is left unacknowledged either', () => {
    const warnings = report.violations.filter((violation) => violation.severity !== 'error')
    expect(warnings.map(describeViolation)).toEqual([])
  })

  test('no acknowledgement of a wildcard resource covers a whole function: each names its resource', () => {
    const blanket = acknowledgements(app).filter(([, rule]) =>
      rule.endsWith('AwsSolutions-IAM5[Resource::*]'),
    )
    // Only the rotation function: CDK grants every rotation function GetRandomPassword, which has no resource.
    expect(blanket.map(([path]) => path)).toEqual([
      expect.stringMatching(/\/JwtSigningKeysRotation\/Function$/),
    ])
  })

  test('every acknowledgement gives its reason', () => {
    const found = acknowledgements(app)
    expect(found.length).toBeGreaterThan(0)
    for (const [path, rule, reason] of found)
      expect({ path, rule, reason }).toMatchObject({ reason: expect.stringMatching(/\w.{20,}/) })
  })
})

test('the app runs cdk-nag on every synth: a finding nobody acknowledged fails it', () => {
  const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } })
  const { stateless } = chatService(app, stageConfig(cdkJson.context.stages, 'dev'))
  new sqs.Queue(stateless, 'UnencryptedQueue', { encryption: sqs.QueueEncryption.UNENCRYPTED })
  expect(() => app.synth()).toThrow(/AwsSolutions-SQS4/)
})
