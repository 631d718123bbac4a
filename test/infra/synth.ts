// Builds the two stacks the way cdk.json does, for tests; bundling is off unless a test asks for it.
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { App } from 'aws-cdk-lib'
import { Template } from 'aws-cdk-lib/assertions'
import {
  ASSET_RESOURCE_METADATA_ENABLED_CONTEXT,
  BUNDLING_STACKS,
  PATH_METADATA_ENABLE_CONTEXT,
} from 'aws-cdk-lib/cx-api'
import { projectRoot } from '../../infra/cloud/chat-function.ts'
import type { RouteTable } from '../../infra/cloud/route-table.ts'
import { chatService } from '../../infra/cloud/service.ts'
import { type StageSettings, stageConfig } from '../../infra/cloud/stage-config.ts'

export const cdkJson = JSON.parse(readFileSync(join(projectRoot, 'cdk.json'), 'utf8')) as {
  app: string
  context: Record<string, unknown> & { stages: Record<string, unknown> }
}

export interface SynthOptions {
  stage?: 'dev' | 'prod'
  /** Settings laid over the stage's cdk.json entry. */
  settings?: Partial<StageSettings>
  routes?: RouteTable
  /** Run esbuild for the stateless stack's functions (slow: only the bundle tests). */
  bundle?: boolean
}

const outdirs: string[] = []

/** Removes the cloud assemblies this test file synthesized (bundles included) from the temp directory. */
export function removeSynthOutputs(): void {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true })
}

export function synth(options: SynthOptions = {}) {
  const stageName = options.stage ?? 'dev'
  const stages = { ...cdkJson.context.stages }
  stages[stageName] = { ...(stages[stageName] as object), ...options.settings }
  // A production stage needs an alarm address; tests that are about its absence say alarmEmail: undefined.
  const alarmEmail = options.settings && 'alarmEmail' in options.settings ? undefined : 'alarms@example.com'
  const stage = stageConfig(stages, stageName, { alarmEmail })
  const app = new App({
    context: {
      ...cdkJson.context,
      [BUNDLING_STACKS]: options.bundle ? [`ChatService-${stageName}-Stateless`] : [],
      [ASSET_RESOURCE_METADATA_ENABLED_CONTEXT]: true,
      // Tests find a function's resources by construct path (`aws:cdk:path`), as the CLI records it.
      [PATH_METADATA_ENABLE_CONTEXT]: true,
    },
  })
  outdirs.push(app.outdir)
  const { stateful, stateless } = chatService(app, stage, options.routes)
  return {
    app,
    stage,
    stateful,
    stateless,
    statefulTemplate: Template.fromStack(stateful),
    statelessTemplate: Template.fromStack(stateless),
  }
}

/** Logical ids of resources of `type` whose properties satisfy `where`. */
export function logicalIds(template: Template, type: string, where: object = {}): string[] {
  return Object.keys(template.findResources(type, where))
}
