// Mail for local runs: every account mail is written as an .eml file under MAIL_DIR (default <dataDir>/mail).
import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { fromEnvironment, type RunningStore, type StoreContext } from './store.ts'

export async function startMailFolder({ env, dataDir }: StoreContext): Promise<RunningStore> {
  if (env.MAIL_DIR) return fromEnvironment('mail', env.MAIL_DIR, { MAIL_DIR: resolve(env.MAIL_DIR) })
  const directory = join(dataDir, 'mail')
  await mkdir(directory, { recursive: true })
  return {
    stores: [{ name: 'mail', endpoint: directory, source: 'started' }],
    env: { MAIL_DIR: directory },
    stop: async () => {},
  }
}
