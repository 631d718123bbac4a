// CPU of a process tree read from /proc: children are found by parent pid and their CPU is counted.
import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { cpuOfTree, cpuSpent, descendants, totalCpuMs } from './process-tree.ts'

const children: ReturnType<typeof spawn>[] = []
const folders: string[] = []
afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL')
  await Promise.all(folders.splice(0).map((folder) => rm(folder, { recursive: true, force: true })))
})

/** A child that burns `ms` of CPU, says so on stdout, then idles: the amount is CPU, not wall time. */
async function busyChild(ms: number) {
  const script = `while (process.cpuUsage().user < ${ms * 1000}); console.log('done'); setInterval(() => {}, 1000)`
  const child = spawn(process.execPath, ['-e', script])
  children.push(child)
  await new Promise((done) => child.stdout.once('data', done))
  return child
}

describe.runIf(process.platform === 'linux')('the process tree', () => {
  it('holds the children of a process, found by parent pid', () => {
    const child = spawn('sleep', ['30'])
    children.push(child)
    expect(descendants(process.pid)).toEqual(expect.arrayContaining([process.pid, child.pid]))
  })

  it("charges a child's CPU to the tree, named by its executable", async () => {
    const before = cpuOfTree(process.pid)
    const child = await busyChild(200)
    const spent = cpuSpent(before, cpuOfTree(process.pid))
    const own = spent.find((entry) => entry.pid === child.pid)
    expect(own?.name).toBe('node')
    expect(own?.cpuMs).toBeGreaterThan(150)
    expect(totalCpuMs(spent)).toBeGreaterThanOrEqual(own?.cpuMs ?? Number.POSITIVE_INFINITY)
  })

  it('names a node process by its script and plain arguments, whatever its path', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'bench-tree-'))
    folders.push(folder)
    const script = join(folder, 'host.mjs')
    await writeFile(script, "console.log('up'); setInterval(() => {}, 1000)")
    const child = spawn(process.execPath, ['--no-warnings', script, 'pglite'])
    children.push(child)
    await new Promise((done) => child.stdout.once('data', done))
    expect(cpuOfTree(process.pid).find((entry) => entry.pid === child.pid)?.name).toBe('node host.mjs pglite')
  })
})
