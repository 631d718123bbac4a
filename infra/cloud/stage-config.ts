// One stage's settings, read from cdk.json's `stages` context and checked before anything is built.
import { RetentionDays } from 'aws-cdk-lib/aws-logs'
import * as z from 'zod'
import { type LoadPlanName, loadPlans } from '../capacity.ts'

const origin = z.url().refine((value) => new URL(value).origin === value, {
  message: 'an origin is scheme://host[:port] with no path or trailing slash',
})

const stageSettingsSchema = z
  .object({
    allowedOrigins: z.array(origin).default([]),
    idleTimeoutMinutes: z.number().positive().default(5),
    uploadMaxBytes: z
      .number()
      .int()
      .positive()
      .default(25 * 1024 * 1024),
    /** Functions in the VPC reach MongoDB Atlas, Upstash and AWS APIs through NAT, so at least one. */
    natGateways: z.number().int().min(1).max(3),
    databaseInstanceClass: z
      .string()
      .regex(/^[a-z0-9]+\.[a-z0-9]+$/, 'e.g. t4g.micro')
      .default('t4g.micro'),
    databaseMultiAz: z.boolean().default(false),
    databaseAllocatedStorageGb: z.number().int().min(20).default(20),
    databaseBackupRetentionDays: z.number().int().min(1).max(35).default(7),
    /** RDS deletion protection and the stateful stack's termination protection. */
    deletionProtection: z.boolean().default(false),
    /** Keeps the uploads, their access logs and the secrets when the stateful stack is deleted. */
    retainOnDelete: z.boolean().default(false),
    logRetentionDays: z
      .number()
      .refine((days): days is RetentionDays => Object.values(RetentionDays).includes(days), {
        message: 'a retention CloudWatch Logs offers (1, 3, 5, 7, 14, 30, 60, 90, ...)',
      })
      .default(RetentionDays.ONE_MONTH),
    /** The load plan of infra/capacity.ts that sizes throttles, reserved concurrency and consumers. */
    capacity: z.enum(Object.keys(loadPlans) as [LoadPlanName, ...LoadPlanName[]]).default('trial'),
    /** A stage people depend on: its alarms must reach someone, so it needs `alarmEmail`. */
    production: z.boolean().default(false),
    alarmEmail: z.email().optional(),
    /** `api.<domainName>` serves HTTPS and `ws.<domainName>` WSS when set. */
    domainName: z
      .string()
      .regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, 'a lower-case DNS name')
      .optional(),
    /** Route 53 zone for DNS validation and alias records; its name defaults to domainName. */
    hostedZoneId: z.string().min(1).optional(),
    hostedZoneName: z.string().min(1).optional(),
    /** The address account mail comes from, verified in SES (a link to click) unless `mailDomain` covers it. */
    mailFrom: z.email().default('no-reply@example.com'),
    /** A domain verified in SES by DKIM records, for sending from any address in it (DEPLOY.md). */
    mailDomain: z
      .string()
      .regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, 'a lower-case DNS name')
      .optional(),
    /** The client application that mailed links open; the first allowed origin by default. */
    appUrl: z.url().optional(),
    /** Exact client URLs a provider sign-in may return to. */
    oauthRedirects: z.array(z.url()).default([]),
    /** An existing ACM certificate covering both names (e.g. `*.<domainName>`), instead of a hosted zone. */
    certificateArn: z.string().startsWith('arn:').optional(),
  })
  .strict()
  .superRefine((settings, ctx) => {
    if (settings.production && !settings.alarmEmail) {
      ctx.addIssue({
        code: 'custom',
        path: ['alarmEmail'],
        message: 'a production stage needs alarmEmail, the address its alarms are sent to',
      })
    }
    if (settings.mailDomain && !settings.mailFrom.endsWith(`@${settings.mailDomain}`)) {
      ctx.addIssue({
        code: 'custom',
        path: ['mailFrom'],
        message: 'with mailDomain, mailFrom must be an address in that domain',
      })
    }
    if (settings.domainName && !settings.hostedZoneId && !settings.certificateArn) {
      ctx.addIssue({
        code: 'custom',
        path: ['domainName'],
        message: 'a custom domain needs hostedZoneId (DNS-validated certificates) or certificateArn',
      })
    }
    if (!settings.domainName && (settings.hostedZoneId || settings.certificateArn)) {
      ctx.addIssue({
        code: 'custom',
        path: ['domainName'],
        message: 'hostedZoneId and certificateArn only apply with domainName',
      })
    }
  })

export type StageSettings = z.infer<typeof stageSettingsSchema>

export interface StageConfig extends StageSettings {
  stageName: string
}

const stageNameSchema = z
  .string()
  // Short enough for the uploads bucket's global name (resource-names.ts).
  .regex(/^[a-z][a-z0-9-]{0,11}$/, 'at most 12 lower-case letters, digits and dashes, starting with a letter')

export class StageConfigError extends Error {
  override readonly name = 'StageConfigError'
}

/**
 * The settings of `stageName` in the `stages` context object (cdk.json), e.g. `-c stage=prod`.
 * Throws one error naming every invalid setting, so a typo fails synth instead of deploying defaults.
 */
export function stageConfig(
  stages: unknown,
  stageName: unknown,
  /** Settings given on the command line (`-c alarmEmail=...`), laid over the stage's. */
  overrides: Partial<Record<keyof StageSettings, unknown>> = {},
): StageConfig {
  const name = stageNameSchema.safeParse(stageName)
  if (!name.success) throw new StageConfigError(`context "stage": ${name.error.issues[0]?.message}`)
  if (typeof stages !== 'object' || stages === null) {
    throw new StageConfigError('context "stages" is missing: cdk.json holds one settings object per stage')
  }
  const raw = (stages as Record<string, unknown>)[name.data]
  if (raw === undefined) {
    const known = Object.keys(stages).join(', ')
    throw new StageConfigError(`stage "${name.data}" is not in context "stages" (known: ${known})`)
  }
  const given = Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined))
  const settings = stageSettingsSchema.safeParse({ ...(raw as object), ...given })
  if (!settings.success) {
    const problems = settings.error.issues.map(
      (issue) => `${issue.path.join('.') || '(stage)'}: ${issue.message}`,
    )
    throw new StageConfigError(`stage "${name.data}": ${problems.join('; ')}`)
  }
  return { stageName: name.data, ...settings.data }
}
