// The environment, parsed and validated once per process.
import { z } from 'zod'

const optionalUrl = z.url().optional()
const commaList = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0),
  )
const booleanFlag = z
  .enum(['true', 'false', '1', '0'])
  .default('false')
  .transform((value) => value === 'true' || value === '1')

export const configSchema = z
  .object({
    STAGE: z.string().min(1).default('local'),
    LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT', 'CRITICAL']).default('INFO'),
    AWS_REGION: z.string().min(1).default('us-east-1'),

    // PostgreSQL: a URL, or (in AWS) a Secrets Manager secret holding the RDS credentials.
    DATABASE_URL: optionalUrl,
    DATABASE_SECRET_ARN: z.string().min(1).optional(),
    DATABASE_HOST: z.string().min(1).optional(),
    // RDS Proxy and the machine's PostgreSQL both accept TLS; PGlite does not.
    DATABASE_SSL: booleanFlag,

    // MongoDB: a connection string, or a secret holding one (`{ "url": "mongodb+srv://..." }`).
    MONGO_URL: z
      .string()
      .regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://')
      .optional(),
    MONGO_SECRET_ARN: z.string().min(1).optional(),
    MONGO_DB: z.string().min(1).default('chat'),

    // Redis over Upstash REST: URL and token, or a secret holding `{ "url", "token" }`.
    UPSTASH_REDIS_REST_URL: optionalUrl,
    UPSTASH_REDIS_REST_TOKEN: z.string().min(1).optional(),
    UPSTASH_SECRET_ARN: z.string().min(1).optional(),

    CONNECTIONS_TABLE: z.string().min(1),
    UPLOADS_BUCKET: z.string().min(1),
    NOTIFICATIONS_QUEUE_URL: z.url(),
    // The WebSocket API's @connections endpoint: https://{api}.execute-api.{region}.amazonaws.com/{stage}.
    WS_MANAGEMENT_ENDPOINT: z.url(),
    // Path-style S3 addressing, needed by S3-compatible endpoints that have no virtual-host DNS.
    S3_FORCE_PATH_STYLE: booleanFlag,

    ALLOWED_ORIGINS: commaList,
    IDLE_TIMEOUT_MINUTES: z.coerce.number().positive().default(5),
    UPLOAD_MAX_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(25 * 1024 * 1024),
  })
  .superRefine((env, ctx) => {
    const oneOf = (names: string[], message: string) => {
      if (!names.some((name) => env[name as keyof typeof env] !== undefined)) {
        ctx.addIssue({ code: 'custom', path: [names[0] as string], message })
      }
    }
    oneOf(
      ['DATABASE_URL', 'DATABASE_SECRET_ARN'],
      'set DATABASE_URL, or DATABASE_SECRET_ARN with DATABASE_HOST',
    )
    if (env.DATABASE_SECRET_ARN && !env.DATABASE_URL && !env.DATABASE_HOST) {
      ctx.addIssue({ code: 'custom', path: ['DATABASE_HOST'], message: 'required with DATABASE_SECRET_ARN' })
    }
    oneOf(['MONGO_URL', 'MONGO_SECRET_ARN'], 'set MONGO_URL or MONGO_SECRET_ARN')
    if (!env.UPSTASH_SECRET_ARN && !(env.UPSTASH_REDIS_REST_URL && env.UPSTASH_REDIS_REST_TOKEN)) {
      ctx.addIssue({
        code: 'custom',
        path: ['UPSTASH_REDIS_REST_URL'],
        message: 'set UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN, or UPSTASH_SECRET_ARN',
      })
    }
  })

export type Config = z.infer<typeof configSchema>

export class ConfigError extends Error {
  override readonly name = 'ConfigError'
}

/** Parses an environment; throws one ConfigError naming every missing or invalid variable. */
export function parseConfig(env: NodeJS.ProcessEnv): Config {
  const result = configSchema.safeParse(env)
  if (result.success) return result.data
  const problems = result.error.issues.map(
    (issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`,
  )
  throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`)
}

let cached: Config | undefined

/** The process's configuration, read from process.env on first use. */
export function config(): Config {
  cached ??= parseConfig(process.env)
  return cached
}
