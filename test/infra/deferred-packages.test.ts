// Packages the bundling keeps but runs on first call (infra/cloud/bundling/options.ts): bundled, each answers as the
// package does.
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { saslprep } from '@mongodb-js/saslprep'
import { describe, expect, it } from 'vitest'
import { bundledForTests } from './bundled-for-tests.ts'
import { repositoryRoot } from './bundles.ts'

const run = promisify(execFile)

// Mapped characters, a character mapped to nothing, a compatibility form, a prohibited control, unassigned code
// points with and without allowUnassigned, and a bidirectional violation.
const cases: [string, { allowUnassigned?: boolean }?][] = [
  ['I\u00ADX'],
  ['user'],
  ['USER'],
  ['\u00AA'],
  ['\u2168'],
  ['\u0007'],
  ['a\u0221b'],
  ['a\u0221b', { allowUnassigned: true }],
  ['\u0627\u0031'],
  ['pass\u00A0word'],
]

const answer = (prepare: typeof saslprep, [input, options]: (typeof cases)[number]) => {
  try {
    return { prepared: prepare(input, options) }
  } catch (error) {
    return { refused: (error as Error).message }
  }
}

const probe = `
import { saslprep } from '@mongodb-js/saslprep'
const answer = ${answer.toString()}
console.log(JSON.stringify(${JSON.stringify(cases)}.map((item) => answer(saslprep, item))))
`
const bundle = bundledForTests('deferred', probe)

describe('saslprep, deferred', () => {
  it('is bundled behind its stand-in', () => {
    const inputs = Object.keys(bundle().metafile.inputs)
    expect(inputs).toContain('infra/cloud/bundling/saslprep.cjs')
    expect(inputs).toContain('node_modules/@mongodb-js/saslprep/dist/node.js')
  })

  it('prepares and refuses strings as the package does', async () => {
    const { stdout } = await run(process.execPath, [bundle().file], { cwd: repositoryRoot })
    const expected = cases.map((item) => answer(saslprep, item))
    // The cases reach both outcomes, so neither side can pass by answering one way.
    expect(expected.filter((item) => 'refused' in item).length).toBeGreaterThan(0)
    expect(expected.filter((item) => 'prepared' in item).length).toBeGreaterThan(0)
    expect(JSON.parse(stdout)).toEqual(expected)
  })
})
