// The VAPID keys and the endpoint allowlist, from configuration, read once per process.
import { config, requireOneOf, type VapidKeys, vapidKeysSchema } from '../config.ts'
import { lazy } from '../stores/lazy.ts'
import { secretJson } from '../stores/secrets.ts'
import { browserPushServices, type EndpointPolicy, endpointPolicy } from './endpoints.ts'

const keys = lazy(async (): Promise<VapidKeys> => {
  const env = config()
  if (env.VAPID_KEYS) return env.VAPID_KEYS
  requireOneOf(env, ['VAPID_KEYS', 'VAPID_SECRET_ARN'], 'set VAPID_KEYS, or VAPID_SECRET_ARN')
  const result = vapidKeysSchema.safeParse(await secretJson(env.VAPID_SECRET_ARN as string))
  if (!result.success)
    throw new Error('the VAPID secret does not hold {publicKey, privateKey, subject} yet (DEPLOY.md)')
  return result.data
})

/** The key pair that signs pushes; its public half is what browsers subscribe with. */
export const vapidKeys = keys.get

let policy: EndpointPolicy | undefined

/** PUSH_ENDPOINT_ALLOWLIST when set, else the browsers' own push services. */
export function pushEndpointPolicy(): EndpointPolicy {
  const listed = config().PUSH_ENDPOINT_ALLOWLIST
  policy ??= endpointPolicy(listed.length > 0 ? listed : browserPushServices)
  return policy
}
