// What each function's bundle holds: the client of every store it calls, and no client of a store it never calls;
// one minified ESM file that maps its own stack traces. (That CDK bundles with these options: function-bundles.test.ts.)
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { bundleAliases } from '../../infra/cloud/bundling/options.ts'
import { functions, type Store } from '../../infra/routes.ts'
import { type Bundle, bundleAll, clientPackages, repositoryRoot, unusedClients } from './bundles.ts'

let dir: string
let bundles: Map<string, Bundle>

beforeAll(async () => {
  // A fresh clone has no .cache yet.
  await mkdir(join(repositoryRoot, '.cache'), { recursive: true })
  dir = await mkdtemp(join(repositoryRoot, '.cache', 'bundle-contents-'))
  bundles = await bundleAll(dir)
}, 120_000)
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true })
})

const names = Object.keys(functions) as (keyof typeof functions)[]
const bundleOf = (name: string) => {
  const bundle = bundles.get(name)
  if (!bundle) throw new Error(`no bundle for ${name}`)
  return bundle
}

describe('function bundle contents', () => {
  test.each(names)(
    '%s is one minified ESM file with its source map, able to require() bundled CommonJS, mapping its own stack traces',
    (name) => {
      const { file } = bundleOf(name)
      const code = readFileSync(file, 'utf8')
      expect(existsSync(`${file}.map`)).toBe(true)
      expect(
        code.startsWith("import { createRequire } from 'node:module'; const require = createRequire("),
      ).toBe(true)
      // Minified: long lines, not one statement per line (unminified code averages under 40 characters a
      // line); SQL in template literals keeps its newlines, so a small bundle with queries averages under 1,000.
      expect(code.length / code.split('\n').length).toBeGreaterThan(500)
      expect(code.includes('Error.prepareStackTrace=')).toBe(true)
    },
  )

  test.each(names)('%s holds no store client its function never calls', (name) => {
    expect({ name, unused: unusedClients(functions[name], bundleOf(name)) }).toEqual({ name, unused: [] })
  })

  test.each(names)(
    '%s holds none of the packages the bundling replaces (whatwg-url: Node has URL)',
    (name) => {
      const held = Object.keys(bundleAliases).filter((pkg) => bundleOf(name).packages.has(pkg))
      expect({ name, held }).toEqual({ name, held: [] })
    },
  )

  test.each(names)('%s holds a client of each store it uses', (name) => {
    const { packages } = bundleOf(name)
    const uses: readonly Store[] = functions[name].uses
    // A store with no client package of its own (a secret read through Secrets Manager) needs none.
    const missing = uses.filter(
      (store) => clientPackages[store].length > 0 && !clientPackages[store].some((pkg) => packages.has(pkg)),
    )
    expect({ name, missing }).toEqual({ name, missing: [] })
  })
})
