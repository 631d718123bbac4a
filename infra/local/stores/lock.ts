// A lock file holding its owner's pid, so that processes sharing a directory take turns.
import { randomUUID } from 'node:crypto'
import { link, readFile, rm, writeFile } from 'node:fs/promises'

export type Lock = { release(): Promise<void> } | { heldBy: number }

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Takes the lock at `path`, or reports the live process holding it; a dead holder's lock is taken over. */
export async function takeLock(path: string): Promise<Lock> {
  // link() creates the lock atomically with its content, so no one ever reads a half-written pid.
  const draft = `${path}.${process.pid}.${randomUUID()}`
  await writeFile(draft, String(process.pid))
  try {
    for (;;) {
      try {
        await link(draft, path)
        return { release: () => rm(path, { force: true }) }
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      }
      const holder = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10)
      if (isAlive(holder)) return { heldBy: holder }
      await rm(path, { force: true })
    }
  } finally {
    await rm(draft, { force: true })
  }
}
