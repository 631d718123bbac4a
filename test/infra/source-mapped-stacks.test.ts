// Function bundles map their own stack traces (infra/cloud/bundling/source-mapped-stacks.ts): an error thrown in
// bundled code names the TypeScript file, line and column, with no NODE_OPTIONS.
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, test } from 'vitest'
import { bundledForTests } from './bundled-for-tests.ts'

const run = promisify(execFile)

// Line 3, column 9 throws; line 6, column 3 calls it. The handler runs in the bundle, as Lambda would call it.
const source = `export const describe = (value: unknown) => \`\${value}\`
export function fail(): never {
  throw new Error('thrown in the source')
}
export function handler(): void {
  fail()
}
handler()
`

const bundle = bundledForTests('stacks', source, { sourcefile: 'functions/thrower.ts' })

const stackOf = async (file: string) => {
  const failed = await run(process.execPath, [file], { env: { PATH: process.env.PATH } }).catch(
    (error: { stderr: string }) => error,
  )
  return 'stderr' in failed ? failed.stderr : ''
}

describe('a function bundle, started with no NODE_OPTIONS', () => {
  test('names the source file, line and column of each of its frames', async () => {
    const stack = await stackOf(bundle().file)
    expect(stack).toContain('Error: thrown in the source')
    expect(stack).toMatch(/\n {4}at .*functions\/thrower\.ts:3:9\)?\n/)
    expect(stack).toMatch(/\n {4}at .*functions\/thrower\.ts:6:3\)?\n/)
    const frames = stack.split('\n').filter((line) => line.startsWith('    at '))
    expect(frames.filter((frame) => frame.includes('index.mjs:'))).toEqual([])
  })

  test('keeps the bundle positions when the map is gone', async () => {
    const copy = join(bundle().dir, 'unmapped.mjs')
    await run('cp', [bundle().file, copy])
    const stack = await stackOf(copy)
    expect(stack).toContain('Error: thrown in the source')
    expect(stack).toMatch(/unmapped\.mjs:\d+:\d+/)
    expect(stack).not.toContain('thrower.ts')
  })
})
