import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { parse } from 'yaml'

interface Step {
  name?: string
  if?: string
  run?: string
  uses?: string
  with?: Record<string, string>
}
interface Job {
  environment?: string
  needs?: string
  permissions?: Record<string, string>
  steps: Step[]
}
/** A GitHub Actions expression as written in a workflow. */
const expr = (inner: string) => `\${{ ${inner} }}`
const workflow = (name: string) =>
  parse(readFileSync(`.github/workflows/${name}`, 'utf8')) as {
    on: Record<string, unknown>
    jobs: Record<string, Job>
  }

describe('deploy.yml', () => {
  const deploy = workflow('deploy.yml')
  const { diff, deploy: apply } = deploy.jobs as { diff: Job; deploy: Job }

  test('runs on v* tags or by hand, never on a branch push', () => {
    expect(deploy.on.push).toEqual({ tags: ['v*'] })
    expect(Object.keys(deploy.on).sort()).toEqual(['push', 'workflow_dispatch'])
  })

  test('refuses prod unless the run is on a v* tag, before anything else', () => {
    expect(diff.steps[0]).toMatchObject({
      if: "env.STAGE == 'prod' && (github.ref_type != 'tag' || !startsWith(github.ref_name, 'v'))",
      run: expect.stringContaining('exit 1'),
    })
  })

  test('shows the cdk diff in the job summary, with a role that only reads', () => {
    const step = diff.steps.find((s) => s.run?.includes('cdk diff'))
    expect(step?.run).toMatch(/npx cdk diff --all -c stage="\$STAGE"/)
    expect(step?.run).toContain('>> "$GITHUB_STEP_SUMMARY"')
    expect(
      diff.steps.find((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials'))?.with,
    ).toMatchObject({
      'role-to-assume': expr('vars.AWS_DIFF_ROLE_ARN'),
    })
    expect(diff.environment).toBe(`${expr("inputs.stage || 'prod'")}-diff`)
  })

  test('deploys after the diff, in the stage’s gated environment, then smoke-tests the deployed URLs', () => {
    expect(apply.needs).toBe('diff')
    expect(apply.environment).toBe(expr("inputs.stage || 'prod'"))
    expect(apply.permissions).toEqual({ contents: 'read', 'id-token': 'write' })
    const runs = apply.steps.map((s) => s.run ?? '')
    const deployAt = runs.findIndex((run) => run.includes('npx cdk deploy --all'))
    const smokeAt = runs.findIndex((run) => run.includes('npx tsx infra/cloud/smoke.ts cdk-outputs.json'))
    expect(deployAt).toBeGreaterThanOrEqual(0)
    expect(smokeAt).toBeGreaterThan(deployAt)
    expect(runs[deployAt]).toContain('--outputs-file cdk-outputs.json')
  })
})

describe('ci.yml', () => {
  const ci = workflow('ci.yml')

  test('runs the infra tests and synth once, on Node 22, not on every leg of the matrix', () => {
    const test = ci.jobs.test as Job & { strategy: { matrix: { node: number[] } } }
    expect(test.strategy.matrix.node).toEqual([20, 22, 24])
    expect(test.steps.map((s) => s.run ?? '').join('\n')).not.toMatch(/--project infra|cdk synth/)
    const infra = ci.jobs.infra as Job
    expect(infra.steps.find((s) => s.uses?.startsWith('actions/setup-node'))?.with?.['node-version']).toBe(22)
    expect(infra.steps.map((s) => s.run)).toEqual(
      expect.arrayContaining(['npx vitest run --project infra', 'npx cdk synth --quiet']),
    )
  })

  test('runs PostgreSQL of the major version the stack pins for RDS', () => {
    const database = readFileSync('infra/cloud/database.ts', 'utf8')
    const major = /PostgresEngineVersion\.VER_(\d+)\b/.exec(database)?.[1]
    const services = (ci.jobs.test as unknown as { services: { postgres: { image: string } } }).services
    expect(services.postgres.image).toBe(`postgres:${major}`)
  })

  test('lints every workflow with actionlint', () => {
    const runs = (ci.jobs.workflows as Job).steps.map((s) => s.run ?? '')
    expect(runs.some((run) => run.includes('actionlint@v'))).toBe(true)
  })
})
