// host.ts and its servers compiled to plain JavaScript, once per version of their sources, for store processes.
import { createHash, randomUUID } from 'node:crypto'
import { access, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const stores = fileURLToPath(new URL('.', import.meta.url))
// Under node_modules, so that the compiled files find the packages they import the way the sources do.
const cache = fileURLToPath(new URL('../../../node_modules/.cache/chat-service', import.meta.url))

/** Names the compiled host after every TypeScript file of this folder (a superset of what host.ts imports; the
 * compile checks that it imports nothing from elsewhere), so an unchanged folder needs no compiler at all. */
async function sourceKey(): Promise<string> {
  const files = (await readdir(stores, { recursive: true })).filter((file) => file.endsWith('.ts')).sort()
  const hash = createHash('sha256')
  for (const file of files) hash.update(file).update(await readFile(join(stores, file)))
  return hash.digest('hex').slice(0, 16)
}

async function compile(folder: string): Promise<void> {
  const esbuild = await import('esbuild')
  const { outputFiles, metafile } = await esbuild
    .build({
      entryPoints: [join(stores, 'host.ts')],
      bundle: true,
      // One chunk per server, so that each store process loads only the packages of its own store.
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      outdir: folder,
      outExtension: { '.js': '.mjs' },
      write: false,
      metafile: true,
      logLevel: 'silent',
    })
    // Its service process would otherwise live on as a child of this one; a later build starts another.
    .finally(() => esbuild.stop())
  const outside = Object.keys(metafile.inputs).filter((input) => relative(stores, input).startsWith('..'))
  if (outside.length > 0)
    throw new Error(`host.ts must import only from ${stores}, not ${outside.join(', ')}`)

  // Processes racing here write the same files; the first to rename its draft into place wins.
  const draft = `${folder}.${process.pid}.${randomUUID()}`
  for (const file of outputFiles) {
    const target = join(draft, relative(folder, file.path))
    await mkdir(dirname(target), { recursive: true })
    await writeFile(target, file.contents)
  }
  await rename(draft, folder).catch(async (error: NodeJS.ErrnoException) => {
    await rm(draft, { recursive: true, force: true })
    if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error
  })
}

async function compiled(): Promise<string> {
  const folder = join(cache, `store-host-${await sourceKey()}`)
  const entry = join(folder, 'host.mjs')
  if (
    !(await access(entry).then(
      () => true,
      () => false,
    ))
  )
    await compile(folder)
  return entry
}

let host: Promise<string> | undefined

/** The path of host.ts compiled. A TypeScript loader in each store process would cost it 1-3 s of start-up on a
 * busy 2-core machine (PGlite ready in 4.4-5.9 s under tsx, 2.4-3.2 s compiled). A failed compile is not kept. */
export function compiledHost(): Promise<string> {
  host ??= compiled().catch((error) => {
    host = undefined
    throw error
  })
  return host
}
