// The MongoDB store as a function bundle carries it, its connection string parsed by Node's URL in place of the
// whatwg-url package (infra/cloud/bundling/options.ts): the bundled driver connects, writes and reads.
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { bundledForTests } from '../../infra/bundled-for-tests.ts'
import { repositoryRoot } from '../../infra/bundles.ts'

const run = promisify(execFile)

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

const bundle = bundledForTests('mongo-bundled', probe)

describe('the MongoDB driver as bundled', () => {
  it('holds no whatwg-url or tr46: the alias put Node URL in their place', () => {
    const inputs = Object.keys(bundle().metafile.inputs)
    expect(
      inputs.filter((path) => /node_modules\/(whatwg-url|tr46|webidl-conversions)\//.test(path)),
    ).toEqual([])
    expect(inputs.some((path) => path.includes('node_modules/mongodb-connection-string-url/'))).toBe(true)
  })

  it('connects to the test MongoDB with the connection string the functions get, writes and reads back', async () => {
    const { stdout } = await run(process.execPath, [bundle().file], {
      cwd: repositoryRoot,
      env: process.env,
    })
    expect(JSON.parse(stdout)).toEqual({ _id: 'one', text: 'written by the bundled driver' })
  })
})
