// The environment, parsed and validated once per process.
import * as z from 'zod'

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

/** One signing key: an ES256 JWK with its key id; the private part `d` may be dropped once a key only verifies. */
export const signingKeySchema = z.looseObject({
  kty: z.literal('EC'),
  crv: z.literal('P-256'),
  alg: z.literal('ES256'),
  kid: z.string().min(1).max(128),
  x: z.string().min(1),
  y: z.string().min(1),
  d: z.string().min(1).optional(),
})
/** The first key signs and must be private; every key verifies, so a rotated-out key keeps its sessions. */
export const signingKeysSchema = z
  .array(signingKeySchema)
  .min(1)
  .refine((keys) => keys[0]?.d !== undefined, 'the first key signs, so it needs its private part `d`')
  .refine((keys) => new Set(keys.map((key) => key.kid)).size === keys.length, 'key ids must be unique')
export type SigningKeyJwk = z.infer<typeof signingKeySchema>

/**
 * The public keys that verify access tokens, as a JWKS: what every verifying function reads. A private part
 * here would hand the signing key to functions that must not hold it, so one is refused.
 */
export const publicKeySetSchema = z.looseObject({
  keys: z
    .array(
      signingKeySchema
        .omit({ d: true })
        .extend({ use: z.literal('sig').optional() })
        .refine((key) => !('d' in key), 'a public key set must not hold a private part `d`'),
    )
    .min(1),
})
export type PublicKeySet = z.infer<typeof publicKeySetSchema>

const jsonText = z.string().transform((text, ctx) => {
  try {
    return JSON.parse(text) as unknown
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be JSON' })
    return z.NEVER
  }
})

/** The VAPID key pair (base64url, as `web-push generate-vapid-keys` prints it) and the contact push services see. */
export const vapidKeysSchema = z.strictObject({
  publicKey: z.string().regex(/^[A-Za-z0-9_-]{87}$/, 'must be an uncompressed P-256 point, base64url'),
  privateKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be a P-256 private key, base64url'),
  subject: z.string().regex(/^(mailto:|https:\/\/)/, 'must be a mailto: or https: URL'),
})
export type VapidKeys = z.infer<typeof vapidKeysSchema>

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

    // Each function is given the names of the resources it uses only; each is checked where it is first read.
    CONNECTIONS_TABLE: z.string().min(1).optional(),
    UPLOADS_BUCKET: z.string().min(1).optional(),
    NOTIFICATIONS_QUEUE_URL: z.url().optional(),
    // Where a large room's message.new goes, in jobs of a few dozen recipients, for the delivery worker.
    DELIVERY_QUEUE_URL: z.url().optional(),
    // The WebSocket API's @connections endpoint: https://{api}.execute-api.{region}.amazonaws.com/{stage}.
    WS_MANAGEMENT_ENDPOINT: z.url().optional(),
    // The SDK's own endpoint override, read here too for the calls signed without the SDK (lib/stores/dynamodb-json.ts).
    AWS_ENDPOINT_URL_DYNAMODB: z.url().optional(),
    // Path-style S3 addressing, needed by S3-compatible endpoints that have no virtual-host DNS.
    S3_FORCE_PATH_STYLE: booleanFlag,

    ALLOWED_ORIGINS: commaList,
    IDLE_TIMEOUT_MINUTES: z.coerce.number().positive().default(5),
    // How long after sending its sender may still edit a message.
    MESSAGE_EDIT_WINDOW_MINUTES: z.coerce.number().positive().default(15),
    // How long a sync cursor stays good, and the event log behind it is kept (GET /sync, the resume action).
    SYNC_RETENTION_DAYS: z.coerce.number().positive().default(90),
    UPLOAD_MAX_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(25 * 1024 * 1024),

    // Access-token keys, each as the JSON itself or (in AWS) a Secrets Manager secret holding it: the private
    // signing keys only where tokens are issued, the public key set (a JWKS) wherever they are verified.
    JWT_SIGNING_KEYS: jsonText.pipe(signingKeysSchema).optional(),
    JWT_SIGNING_SECRET_ARN: z.string().min(1).optional(),
    JWT_PUBLIC_KEYS: jsonText.pipe(publicKeySetSchema).optional(),
    JWT_PUBLIC_KEYS_SECRET_ARN: z.string().min(1).optional(),
    JWT_ISSUER: z.string().min(1).default('chat-service'),
    JWT_AUDIENCE: z.string().min(1).default('chat-service-api'),
    ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(3600).default(900),
    REFRESH_TOKEN_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(30),
    // Request bodies above this many bytes are refused before they are parsed.
    HTTP_MAX_BODY_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(1024 * 1024)
      .default(16 * 1024),
    // Requests per user per minute over the whole authenticated API.
    API_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(300),
    // Origins of the push services the server may call (lib/push/endpoints.ts); unset: the browsers' own services.
    PUSH_ENDPOINT_ALLOWLIST: commaList,
    // VAPID keys that sign Web Push requests: the JSON itself or (in AWS) a Secrets Manager secret holding it.
    VAPID_KEYS: jsonText.pipe(vapidKeysSchema).optional(),
    VAPID_SECRET_ARN: z.string().min(1).optional(),
    // A rate-limit check that takes longer than this is treated as a store fault and denies.
    RATE_LIMIT_TIMEOUT_MS: z.coerce.number().int().positive().default(1000),

    // Mail: written as .eml files under MAIL_DIR when it is set (local runs), otherwise sent through SES v2 from
    // MAIL_FROM, under the configuration set SES_CONFIGURATION_SET when one is named.
    MAIL_DIR: z.string().min(1).optional(),
    MAIL_FROM: z.string().min(3).default('Chat-Service <no-reply@chat.invalid>'),
    SES_CONFIGURATION_SET: z.string().min(1).optional(),
    // The client application: mailed links open its /verify-email and /reset-password pages.
    APP_URL: z.url().default('http://localhost:5173'),

    // Sign-in with Google (OpenID Connect) and GitHub (OAuth 2.0). A provider without a client id is off: its
    // routes answer 404. In AWS the ids and secrets come from OAUTH_SECRET_ARN
    // (`{ "google": { "clientId", "clientSecret" }, "github": { ... } }`).
    OAUTH_GOOGLE_ISSUER: z.url().default('https://accounts.google.com'),
    OAUTH_GOOGLE_CLIENT_ID: z.string().min(1).optional(),
    OAUTH_GOOGLE_CLIENT_SECRET: z.string().min(1).optional(),
    OAUTH_GITHUB_CLIENT_ID: z.string().min(1).optional(),
    OAUTH_GITHUB_CLIENT_SECRET: z.string().min(1).optional(),
    OAUTH_GITHUB_BASE_URL: z.url().default('https://github.com'),
    OAUTH_GITHUB_API_URL: z.url().default('https://api.github.com'),
    OAUTH_SECRET_ARN: z.string().min(1).optional(),
    // Exact client URLs a sign-in may return to (with its one-time code); nothing else is accepted.
    OAUTH_REDIRECT_ALLOWLIST: commaList,
    // This API's public base URL, for the providers' callback; by default the one the request came in on.
    PUBLIC_API_URL: z.url().optional(),
  })
  .superRefine(
    (env, ctx) => {
      if (env.DATABASE_SECRET_ARN && !env.DATABASE_URL && !env.DATABASE_HOST) {
        ctx.addIssue({
          code: 'custom',
          path: ['DATABASE_HOST'],
          message: 'required with DATABASE_SECRET_ARN',
        })
      }
      // Runs even when some variable failed above, so the one error names every problem at once.
    },
    { when: () => true },
  )

export type Config = z.infer<typeof configSchema>

export class ConfigError extends Error {
  override readonly name = 'ConfigError'
}

/**
 * One of `names` that this function's environment must set to reach a store. Checked where the store is first
 * used rather than for every function: a function is given the settings (and secrets) of its own stores only.
 */
export function requireOneOf<K extends keyof Config>(
  env: Config,
  names: readonly K[],
  message: string,
): void {
  if (!names.some((name) => env[name] !== undefined))
    throw new ConfigError(`Invalid configuration: ${names[0] as string}: ${message}`)
}

type OptionalText = {
  [K in keyof Config]-?: undefined extends Config[K] ? (string extends Config[K] ? K : never) : never
}[keyof Config]

/** A setting only some functions are given (a resource's name), read where it is used: missing, it fails naming it. */
export function requireSetting(name: OptionalText, why: string, env: Config = config()): string {
  const value = env[name]
  if (typeof value !== 'string') throw new ConfigError(`Invalid configuration: ${name}: ${why}`)
  return value
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
