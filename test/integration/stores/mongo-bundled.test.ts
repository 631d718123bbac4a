// The MongoDB store as a function bundle carries it, its connection string parsed by Node's URL in place of the
// whatwg-url package (infra/cloud/bundling/options.ts): the bundled driver connects, writes and reads.
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { build, type Metafile } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { functionBundling } from '../../../infra/cloud/bundling/options.ts'
import { repositoryRoot } from '../../infra/bundles.ts'

const run = promisify(execFile)
let dir: string
let metafile: Metafile

// Written as a function would use the store: through lib/stores/mongo.ts and the environment it reads.
const probe = `
import { closeMongo, mongoDb } from './lib/stores/mongo.ts'
const collection = (await mongoDb()).collection('bundled_driver_' + process.pid)
await collection.insertOne({ _id: 'one', text: 'written by the bundled driver' })
const found = await collection.findOne({ _id: 'one' })
await collection.drop()
await closeMongo()
console.log(JSON.stringify(found))
`

beforeAll(async () => {
  await mkdir(join(repositoryRoot, '.cache'), { recursive: true })
  dir = await mkdtemp(join(repositoryRoot, '.cache', 'mongo-bundled-'))
  ;({ metafile } = await build({
    ...functionBundling,
    stdin: { contents: probe, resolveDir: repositoryRoot, sourcefile: 'probe.ts', loader: 'ts' },
    outfile: join(dir, 'index.mjs'),
    absWorkingDir: repositoryRoot,
    metafile: true,
    logLevel: 'silent',
  }))
})
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe('the MongoDB driver as bundled', () => {
  it('holds no whatwg-url or tr46: the alias put Node URL in their place', () => {
    const inputs = Object.keys(metafile.inputs)
    expect(
      inputs.filter((path) => /node_modules\/(whatwg-url|tr46|webidl-conversions)\//.test(path)),
    ).toEqual([])
    expect(inputs.some((path) => path.includes('node_modules/mongodb-connection-string-url/'))).toBe(true)
  })

  it('connects to the test MongoDB with the connection string the functions get, writes and reads back', async () => {
    const { stdout } = await run(process.execPath, [join(dir, 'index.mjs')], {
      cwd: repositoryRoot,
      env: process.env,
    })
    expect(JSON.parse(stdout)).toEqual({ _id: 'one', text: 'written by the bundled driver' })
  })
})
