// The local stand-ins for the two JWT key secrets: the signing keys (JWT_SIGNING_KEYS when given, else a key kept
// in <dataDir>) and their public key set (JWT_PUBLIC_KEYS), which is all that verifying code reads.
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateSigningKeys, publicKeySet } from '../../../lib/auth/keys.ts'
import { signingKeysSchema } from '../../../lib/config.ts'
import { fromEnvironment, type RunningStore, type StoreContext } from './store.ts'

/** Kept across restarts, so tokens issued before a restart of `npm run dev` still verify after it. */
async function keptKeys(file: string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trim()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    const keys = await generateSigningKeys()
    await writeFile(file, `${keys}\n`, { mode: 0o600, flag: 'wx' }).catch(
      async (writeError: NodeJS.ErrnoException) => {
        // Another process created it first: use theirs, so both sign with the same key.
        if (writeError.code !== 'EEXIST') throw writeError
      },
    )
    return (await readFile(file, 'utf8')).trim()
  }
}

/** Both secrets' values: a signing key list that does not parse is left for lib/config.ts to name. */
function keyEnv(signingKeys: string): Record<string, string> {
  const parsed = (() => {
    try {
      return signingKeysSchema.safeParse(JSON.parse(signingKeys))
    } catch {
      return undefined
    }
  })()
  return {
    JWT_SIGNING_KEYS: signingKeys,
    ...(parsed?.success ? { JWT_PUBLIC_KEYS: JSON.stringify(publicKeySet(parsed.data)) } : {}),
  }
}

export async function startSigningKeys({ env, dataDir }: StoreContext): Promise<RunningStore> {
  if (env.JWT_SIGNING_KEYS)
    return fromEnvironment('jwt-keys', 'JWT_SIGNING_KEYS', keyEnv(env.JWT_SIGNING_KEYS))
  const file = join(dataDir, 'jwt-signing-keys.json')
  return {
    stores: [{ name: 'jwt-keys', endpoint: file, source: 'started' }],
    env: keyEnv(await keptKeys(file)),
    stop: async () => {},
  }
}
