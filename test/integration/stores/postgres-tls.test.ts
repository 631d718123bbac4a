// TLS to PostgreSQL: with DATABASE_SSL the chain must verify against the RDS Proxy CA bundle, host name included.
import { readFileSync } from 'node:fs'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { config } from '../../../lib/config.ts'
import { postgresOptions, rdsCertificateAuthorities } from '../../../lib/stores/postgres.ts'

// The machine's PostgreSQL (Debian's) serves its self-signed "snakeoil" certificate, issued to localhost.
const serverCertificateFile = '/etc/ssl/certs/ssl-cert-snakeoil.pem'
const databaseUrl = () => new URL(config().DATABASE_URL as string)
const opened: postgres.Sql[] = []

function connect(host: string, ssl: ReturnType<typeof postgresOptions>['ssl']) {
  const url = databaseUrl()
  url.hostname = host
  const sql = postgres(url.toString(), { ...postgresOptions(), ssl, connect_timeout: 5 })
  opened.push(sql)
  return sql
}

let serverTls = false
beforeAll(async () => {
  const sql = connect(databaseUrl().hostname, false)
  const [row] = await sql<{ ssl: string; certFile: string }[]>`
    select current_setting('ssl') as ssl, current_setting('ssl_cert_file') as "certFile"`
  serverTls = row?.ssl === 'on' && row.certFile === serverCertificateFile
})
afterAll(() => Promise.all(opened.map((sql) => sql.end({ timeout: 1 }))))

describe('DATABASE_SSL=true', () => {
  it('verifies the server against the RDS Proxy certificate authorities, with the host name checked', () => {
    const options = postgresOptions({ DATABASE_SSL: true }, 'proxy.example.rds.amazonaws.com')
    expect(options.ssl).toMatchObject({
      rejectUnauthorized: true,
      ca: rdsCertificateAuthorities,
      host: 'proxy.example.rds.amazonaws.com',
    })
    expect(rdsCertificateAuthorities.length).toBeGreaterThanOrEqual(4)
    expect(rdsCertificateAuthorities.every((pem) => pem.startsWith('-----BEGIN CERTIFICATE-----'))).toBe(true)
    expect(postgresOptions({ DATABASE_SSL: false }).ssl).toBe(false)
  })

  it('refuses a server whose certificate no RDS Proxy authority signed', async (test) => {
    if (!serverTls) test.skip(`the PostgreSQL at DATABASE_URL does not serve ${serverCertificateFile}`)
    const sql = connect('localhost', postgresOptions({ DATABASE_SSL: true }, 'localhost').ssl)
    await expect(sql`select 1`).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })
  })

  it('refuses a certificate that verifies but names another host, and accepts it for its own', async (test) => {
    if (!serverTls) test.skip(`the PostgreSQL at DATABASE_URL does not serve ${serverCertificateFile}`)
    const trusting = (host: string) => ({
      ...(postgresOptions({ DATABASE_SSL: true }, host).ssl as object),
      ca: [readFileSync(serverCertificateFile, 'utf8')],
    })
    await expect(connect('127.0.0.1', trusting('127.0.0.1'))`select 1`).rejects.toMatchObject({
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    })
    const [row] = await connect('localhost', trusting('localhost'))<{ ssl: boolean }[]>`
      select ssl from pg_stat_ssl where pid = pg_backend_pid()`
    expect(row?.ssl).toBe(true)
  })
})
