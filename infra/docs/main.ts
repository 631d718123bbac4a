// `npm run docs`: writes docs/openapi.json, asyncapi.json and protocol.md; `--check` fails when those committed are stale.
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { repositoryRoot } from '../local/gateway/table.ts'
import { generatedFiles } from './index.ts'

const check = process.argv.includes('--check')
let stale = 0
for (const [name, text] of Object.entries(generatedFiles())) {
  const file = join(repositoryRoot, 'docs', name)
  if (!check) {
    await writeFile(file, text)
    console.log(`wrote docs/${name}`)
    continue
  }
  const committed = await readFile(file, 'utf8').catch(() => '')
  if (committed !== text) {
    console.error(`docs/${name} is stale: run npm run docs and commit it`)
    stale++
  }
}
if (stale > 0) process.exit(1)
