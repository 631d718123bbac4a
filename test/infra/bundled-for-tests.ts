// A source bundled as the stack bundles a function (bundles.ts), for one test file: bundled before its tests, its
// folder removed after them. Apart from bundles.ts, which the bench imports outside vitest.
import { rm } from 'node:fs/promises'
import { afterAll, beforeAll } from 'vitest'
import { bundleSource, type SourceBundle } from './bundles.ts'

/** Registers the file's hooks; the returned function gives the bundle to its tests. */
export function bundledForTests(
  name: string,
  contents: string,
  options: { sourcefile?: string; timeoutMs?: number } = {},
): () => SourceBundle {
  let bundle: SourceBundle | undefined
  beforeAll(async () => {
    bundle = await bundleSource(name, contents, options.sourcefile)
  }, options.timeoutMs)
  afterAll(async () => {
    if (bundle) await rm(bundle.dir, { recursive: true, force: true })
  })
  return () => {
    if (!bundle) throw new Error(`${name} is bundled before the file's tests run, not when it is declared`)
    return bundle
  }
}
