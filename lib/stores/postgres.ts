// PostgreSQL client: one small pool per process, sized for Lambda behind RDS Proxy.
import postgres from 'postgres'
import { config, requireOneOf } from '../config.ts'
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

/** Options that suit a Lambda: one connection, timeouts well under the function's own. */
export function postgresOptions(): postgres.Options<Record<string, postgres.PostgresType>> {
  return {
    max: 1,
    connect_timeout: 5,
    idle_timeout: 60,
    max_lifetime: 60 * 30,
    ssl: config().DATABASE_SSL ? 'require' : false,
    // Prepared statements pin RDS Proxy connections to one session.
    prepare: false,
    connection: { statement_timeout: 10_000, application_name: `chat-service-${config().STAGE}` },
    onnotice: () => {},
  }
}

const client = lazy(async () => postgres(await connectionUrl(), postgresOptions()))

export const postgresClient = client.get

export async function closePostgres(): Promise<void> {
  await (await client.reset())?.end({ timeout: 5 })
}
