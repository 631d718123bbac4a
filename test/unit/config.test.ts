import { describe, expect, it } from 'vitest'
import { ConfigError, parseConfig, requireOneOf, requireSetting } from '../../lib/config.ts'

const complete = {
  DATABASE_URL: 'postgres://u@127.0.0.1:5432/chat',
  MONGO_URL: 'mongodb://127.0.0.1:27017/',
  UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:8079',
  UPSTASH_REDIS_REST_TOKEN: 'token',
  CONNECTIONS_TABLE: 'connections',
  UPLOADS_BUCKET: 'uploads',
  NOTIFICATIONS_QUEUE_URL: 'http://127.0.0.1:9324/000000000000/notifications',
  WS_MANAGEMENT_ENDPOINT: 'http://127.0.0.1:3001',
}

describe('configuration', () => {
  it('applies defaults to a complete environment', () => {
    const config = parseConfig(complete)
    expect(config.IDLE_TIMEOUT_MINUTES).toBe(5)
    expect(config.UPLOAD_MAX_BYTES).toBe(25 * 1024 * 1024)
    expect(config.STAGE).toBe('local')
    expect(config.ALLOWED_ORIGINS).toEqual([])
  })

  it('accepts fractional idle minutes and a comma-separated origin list', () => {
    const config = parseConfig({
      ...complete,
      IDLE_TIMEOUT_MINUTES: '0.05',
      ALLOWED_ORIGINS: 'https://a.example, https://b.example',
    })
    expect(config.IDLE_TIMEOUT_MINUTES).toBe(0.05)
    expect(config.ALLOWED_ORIGINS).toEqual(['https://a.example', 'https://b.example'])
  })

  it('names every missing or invalid variable in one error', () => {
    const attempt = () =>
      parseConfig({
        MONGO_URL: 'http://wrong',
        IDLE_TIMEOUT_MINUTES: '-1',
        NOTIFICATIONS_QUEUE_URL: 'not a url',
      })
    expect(attempt).toThrow(ConfigError)
    const message = (() => {
      try {
        attempt()
      } catch (error) {
        return (error as Error).message
      }
    })()
    for (const name of ['MONGO_URL', 'NOTIFICATIONS_QUEUE_URL', 'IDLE_TIMEOUT_MINUTES']) {
      expect(message).toContain(name)
    }
  })

  it("reads a resource's name where it is used, so a function is given only the names of its own resources", () => {
    const { CONNECTIONS_TABLE, UPLOADS_BUCKET, ...withoutNames } = complete
    const env = parseConfig(withoutNames)
    expect(() => requireSetting('CONNECTIONS_TABLE', 'required to read connections', env)).toThrow(
      new ConfigError('Invalid configuration: CONNECTIONS_TABLE: required to read connections'),
    )
    expect(requireSetting('NOTIFICATIONS_QUEUE_URL', 'required', env)).toBe(complete.NOTIFICATIONS_QUEUE_URL)
  })

  it("checks a store's settings where the store is used, so a function is given only its own stores'", () => {
    const { DATABASE_URL, MONGO_URL, ...withoutStores } = complete
    const env = parseConfig(withoutStores)
    expect(() => requireOneOf(env, ['DATABASE_URL', 'DATABASE_SECRET_ARN'], 'set one')).toThrow(
      /Invalid configuration: DATABASE_URL: set one/,
    )
    expect(() =>
      requireOneOf(parseConfig(complete), ['MONGO_URL', 'MONGO_SECRET_ARN'], 'set one'),
    ).not.toThrow()
  })

  it('accepts secret ARNs in place of URLs, as the deployed stack provides', () => {
    const { DATABASE_URL, MONGO_URL, UPSTASH_REDIS_REST_URL, UPSTASH_REDIS_REST_TOKEN, ...rest } = complete
    const config = parseConfig({
      ...rest,
      DATABASE_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:db',
      DATABASE_HOST: 'proxy.example',
      MONGO_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:mongo',
      UPSTASH_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:upstash',
    })
    expect(config.DATABASE_URL).toBeUndefined()
    expect(() =>
      parseConfig({
        ...rest,
        DATABASE_SECRET_ARN: 'arn',
        MONGO_URL,
        UPSTASH_REDIS_REST_URL,
        UPSTASH_REDIS_REST_TOKEN,
      }),
    ).toThrow(/DATABASE_HOST/)
  })

  it('defaults the token settings and parses JWT_SIGNING_KEYS without naming its value in errors', async () => {
    const { generateSigningKeys } = await import('../../lib/auth/keys.ts')
    const keys = await generateSigningKeys()
    const config = parseConfig({ ...complete, JWT_SIGNING_KEYS: keys })
    expect(config.JWT_SIGNING_KEYS?.[0]?.alg).toBe('ES256')
    expect(config).toMatchObject({
      JWT_ISSUER: 'chat-service',
      JWT_AUDIENCE: 'chat-service-api',
      ACCESS_TOKEN_TTL_SECONDS: 900,
      REFRESH_TOKEN_TTL_DAYS: 30,
    })
    const publicOnly = JSON.stringify(
      JSON.parse(keys).map(({ d: _, ...key }: Record<string, unknown>) => key),
    )
    expect(() => parseConfig({ ...complete, JWT_SIGNING_KEYS: publicOnly })).toThrow(
      /JWT_SIGNING_KEYS.*private/,
    )
    expect(() => parseConfig({ ...complete, JWT_SIGNING_KEYS: 'secret-ish{' })).toThrow(
      /JWT_SIGNING_KEYS: must be JSON/,
    )
    try {
      parseConfig({ ...complete, JWT_SIGNING_KEYS: 'secret-ish{' })
    } catch (error) {
      expect((error as Error).message).not.toContain('secret-ish')
    }
  })

  it('takes the public key set as a JWKS and refuses one that carries a private key', async () => {
    const { generateSigningKeys, publicKeySet } = await import('../../lib/auth/keys.ts')
    const keys = JSON.parse(await generateSigningKeys())
    const set = publicKeySet(keys)
    const config = parseConfig({ ...complete, JWT_PUBLIC_KEYS: JSON.stringify(set) })
    expect(config.JWT_PUBLIC_KEYS?.keys[0]).toEqual({ ...set.keys[0], use: 'sig' })
    expect(JSON.stringify(config.JWT_PUBLIC_KEYS)).not.toContain('"d"')
    const leaky = { keys: [{ ...set.keys[0], d: keys[0].d }] }
    expect(() => parseConfig({ ...complete, JWT_PUBLIC_KEYS: JSON.stringify(leaky) })).toThrow(
      /JWT_PUBLIC_KEYS.*private part/,
    )
  })
})
