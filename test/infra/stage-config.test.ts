import { describe, expect, test } from 'vitest'
import { StageConfigError, stageConfig } from '../../infra/cloud/stage-config.ts'
import { cdkJson } from './synth.ts'

const dev = cdkJson.context.stages.dev as Record<string, unknown>

describe('stage settings from cdk.json', () => {
  test('cdk.json runs the app with tsx and defaults to the dev stage', () => {
    expect(cdkJson.app).toBe('npx tsx infra/cloud/app.ts')
    expect(cdkJson.context.stage).toBe('dev')
  })

  test.each(['dev', 'prod'])('the %s stage in cdk.json is valid', (name) => {
    const stage = stageConfig(cdkJson.context.stages, name, { alarmEmail: 'ops@example.com' })
    expect(stage.stageName).toBe(name)
    expect(stage.natGateways).toBeGreaterThanOrEqual(1)
  })

  test('prod is a production stage: without alarmEmail it fails, naming the setting', () => {
    expect(() => stageConfig(cdkJson.context.stages, 'prod')).toThrow(
      /stage "prod": alarmEmail: a production stage needs alarmEmail/,
    )
    expect(stageConfig(cdkJson.context.stages, 'dev').alarmEmail).toBeUndefined()
    expect(stageConfig(cdkJson.context.stages, 'prod', { alarmEmail: 'ops@example.com' }).alarmEmail).toBe(
      'ops@example.com',
    )
  })

  test('prod protects and keeps its data and dev does neither', () => {
    const prod = stageConfig(cdkJson.context.stages, 'prod', { alarmEmail: 'ops@example.com' })
    const dev = stageConfig(cdkJson.context.stages, 'dev')
    expect([prod.deletionProtection, prod.retainOnDelete, prod.databaseMultiAz]).toEqual([true, true, true])
    expect([dev.deletionProtection, dev.retainOnDelete, dev.databaseMultiAz]).toEqual([false, false, false])
  })

  test('an unknown stage names the known ones', () => {
    expect(() => stageConfig(cdkJson.context.stages, 'qa')).toThrow(
      /"qa" is not in context "stages" \(known: dev, prod\)/,
    )
  })

  test('a stage without NAT is refused: functions in the VPC reach Atlas, Upstash and AWS APIs through it', () => {
    expect(() => stageConfig({ dev: { ...dev, natGateways: 0 } }, 'dev')).toThrow(/natGateways/)
  })

  test('every invalid setting is named in one error', () => {
    const bad = { ...dev, allowedOrigins: ['https://chat.example.com/app'], logRetentionDays: 8, typo: true }
    const error = (() => {
      try {
        stageConfig({ dev: bad }, 'dev')
      } catch (caught) {
        return caught as Error
      }
    })()
    expect(error).toBeInstanceOf(StageConfigError)
    expect(error?.message).toMatch(/allowedOrigins\.0/)
    expect(error?.message).toMatch(/logRetentionDays/)
    expect(error?.message).toMatch(/typo/)
  })

  test('a custom domain needs a hosted zone or a certificate', () => {
    expect(() => stageConfig({ dev: { ...dev, domainName: 'chat.example.com' } }, 'dev')).toThrow(
      /hostedZoneId .* or certificateArn/,
    )
    const withZone = stageConfig(
      { dev: { ...dev, domainName: 'chat.example.com', hostedZoneId: 'Z123' } },
      'dev',
    )
    expect(withZone.domainName).toBe('chat.example.com')
  })
})
