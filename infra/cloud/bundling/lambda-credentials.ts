// Stands in for @aws-sdk/credential-provider-node in function bundles. Lambda hands a function its role's
// credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), the first link of
// the SDK's default chain, so that link is the only one a function ever reaches. The others (profiles, SSO,
// processes, web identity, container and instance metadata) and the STS, SSO and sign-in clients they bring were
// about 110 KB of every bundle with an AWS client, parsed at each cold start for nothing.
import { fromEnv } from '@aws-sdk/credential-provider-env'

type Credentials = Awaited<ReturnType<ReturnType<typeof fromEnv>>>

/** The package's refresh margin: credentials within 5 minutes of expiring are fetched again. */
const refreshMarginMs = 300_000

export const credentialsWillNeedRefresh = (credentials?: Credentials): boolean =>
  credentials?.expiration !== undefined

export const credentialsTreatedAsExpired = (credentials?: Credentials): boolean =>
  credentials?.expiration !== undefined && credentials.expiration.getTime() - Date.now() < refreshMarginMs

export const defaultProvider = (init: Parameters<typeof fromEnv>[0] = {}) => fromEnv(init)
