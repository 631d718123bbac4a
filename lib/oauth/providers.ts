// The sign-in providers: Google by OpenID Connect discovery, GitHub by its fixed OAuth 2.0 endpoints.
import * as client from 'openid-client'
import { config } from '../config.ts'
import type { providerNames } from '../protocol/http/oauth.ts'
import { secretJson } from '../stores/secrets.ts'

export type ProviderName = (typeof providerNames)[number]

export interface Provider {
  name: ProviderName
  /** OpenID Connect: an ID token with a nonce is expected; OAuth 2.0 alone: the user comes from the API. */
  oidc: boolean
  scope: string
  configuration: client.Configuration
  apiUrl?: string
}

type Credentials = { clientId: string; clientSecret: string }

async function credentialsOf(name: ProviderName): Promise<Credentials | undefined> {
  const env = config()
  const fromEnv =
    name === 'google'
      ? { clientId: env.OAUTH_GOOGLE_CLIENT_ID, clientSecret: env.OAUTH_GOOGLE_CLIENT_SECRET }
      : { clientId: env.OAUTH_GITHUB_CLIENT_ID, clientSecret: env.OAUTH_GITHUB_CLIENT_SECRET }
  if (fromEnv.clientId && fromEnv.clientSecret) return fromEnv as Credentials
  if (!env.OAUTH_SECRET_ARN) return undefined
  const secret = await secretJson<Partial<Record<ProviderName, Partial<Credentials>>>>(env.OAUTH_SECRET_ARN)
  const stored = secret[name]
  return stored?.clientId && stored.clientSecret ? (stored as Credentials) : undefined
}

/** Plain HTTP only towards this machine, where the tests' stand-in providers listen. */
const loopback = (url: string) => ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname)

async function build(name: ProviderName): Promise<Provider | undefined> {
  const credentials = await credentialsOf(name)
  if (!credentials) return undefined
  const env = config()
  const insecure = (url: string) => (loopback(url) ? { execute: [client.allowInsecureRequests] } : {})
  if (name === 'google') {
    const issuer = env.OAUTH_GOOGLE_ISSUER
    const configuration = await client.discovery(
      new URL(issuer),
      credentials.clientId,
      credentials.clientSecret,
      undefined,
      insecure(issuer),
    )
    return { name, oidc: true, scope: 'openid email profile', configuration }
  }
  const base = env.OAUTH_GITHUB_BASE_URL.replace(/\/$/, '')
  const configuration = new client.Configuration(
    {
      issuer: base,
      authorization_endpoint: `${base}/login/oauth/authorize`,
      token_endpoint: `${base}/login/oauth/access_token`,
    },
    credentials.clientId,
    credentials.clientSecret,
  )
  if (loopback(base)) client.allowInsecureRequests(configuration)
  return { name, oidc: false, scope: 'read:user user:email', configuration, apiUrl: env.OAUTH_GITHUB_API_URL }
}

const built = new Map<ProviderName, Promise<Provider | undefined>>()

/** The provider, or undefined when it is not configured; a failed discovery is retried on the next call. */
export function provider(name: ProviderName): Promise<Provider | undefined> {
  let pending = built.get(name)
  if (!pending) {
    pending = build(name)
    built.set(name, pending)
    pending.catch(() => built.delete(name))
  }
  return pending
}
