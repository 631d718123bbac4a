// Web Push locally: the VAPID keys (VAPID_KEYS when given, else a pair kept in <dataDir>), the push-service stand-in,
// and the allowlist: the browsers' services, the origins PUSH_ENDPOINT_ALLOWLIST gives, and the stand-in's.
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import webpush from 'web-push'
import { browserPushServices } from '../../../lib/push/endpoints.ts'
import { startPushServiceStandIn } from '../push-service.ts'
import type { RunningStore, StoreContext } from './store.ts'

/** What push services see as the sender's contact (RFC 8292 `sub`); no one reads it for a local run. */
const localSubject = 'mailto:push@localhost.invalid'

/** Kept across restarts: browsers subscribed with the public key, so a new pair would end their subscriptions. */
async function keptVapidKeys(file: string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trim()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    const keys = JSON.stringify({ ...webpush.generateVAPIDKeys(), subject: localSubject })
    await writeFile(file, `${keys}\n`, { mode: 0o600, flag: 'wx' }).catch(
      (writeError: NodeJS.ErrnoException) => {
        // Another process created it first: use theirs.
        if (writeError.code !== 'EEXIST') throw writeError
      },
    )
    return (await readFile(file, 'utf8')).trim()
  }
}

/** The allowlist a local run uses: every origin of `given` (or the browsers' services) plus the stand-in's. */
export function localAllowlist(given: string | undefined, standInOrigin: string): string {
  const listed = (given ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin.length > 0)
  return [...new Set([...browserPushServices, ...listed, standInOrigin])].join(',')
}

export async function startPush({ env, dataDir, log }: StoreContext): Promise<RunningStore> {
  const keysFile = join(dataDir, 'vapid-keys.json')
  const keys = env.VAPID_KEYS ?? (await keptVapidKeys(keysFile))
  const standIn = await startPushServiceStandIn({ log })
  return {
    stores: [
      { name: 'push-service', endpoint: standIn.origin, source: 'started' },
      {
        name: 'vapid-keys',
        endpoint: env.VAPID_KEYS ? 'VAPID_KEYS' : keysFile,
        source: env.VAPID_KEYS ? 'environment' : 'started',
      },
    ],
    env: {
      VAPID_KEYS: keys,
      PUSH_ENDPOINT_ALLOWLIST: localAllowlist(env.PUSH_ENDPOINT_ALLOWLIST, standIn.origin),
      PUSH_SERVICE_STAND_IN_URL: standIn.origin,
    },
    stop: standIn.stop,
  }
}
