// Every function bundled as infra/cloud/chat-function.ts bundles it, and which store clients each bundle holds:
// read by the bundle-contents test and by the bench's cold-start figures. And any source bundled the same way, for
// the tests that run a bundle.
import { mkdir, mkdtemp } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { build, type Metafile } from 'esbuild'
import { functionBundling } from '../../infra/cloud/bundling/options.ts'
import { type FunctionSpec, functions, type Store } from '../../infra/routes.ts'

export const repositoryRoot = resolve(import.meta.dirname, '..', '..')

export interface SourceBundle {
  /** The bundle's own folder under .cache, for the caller to remove. */
  dir: string
  /** `dir`/index.mjs */
  file: string
  metafile: Metafile
}

/**
 * `contents` bundled as the stack bundles a function, into a new folder under .cache named after `name`: inside the
 * repository, so the bundle resolves Argon2 from its node_modules as Lambda does from the asset's. `sourcefile` is
 * the name its stack traces and source map give it.
 */
export async function bundleSource(
  name: string,
  contents: string,
  sourcefile = 'probe.ts',
): Promise<SourceBundle> {
  await mkdir(join(repositoryRoot, '.cache'), { recursive: true })
  const dir = await mkdtemp(join(repositoryRoot, '.cache', `${name}-`))
  const file = join(dir, 'index.mjs')
  const { metafile } = await build({
    ...functionBundling,
    stdin: { contents, resolveDir: repositoryRoot, sourcefile, loader: 'ts' },
    outfile: file,
    absWorkingDir: repositoryRoot,
    metafile: true,
    logLevel: 'silent',
  })
  return { dir, file, metafile }
}

/**
 * The packages that are each store's client, or the project module that is when no package is its alone: a bundle
 * holding one can talk to that store.
 */
export const clientPackages: Record<Store, readonly string[]> = {
  postgres: ['postgres'],
  mongo: ['mongodb'],
  redis: ['@upstash/redis'],
  // Its records through the SDK, and the fan-out's reads and removals signed without it: a function may hold either.
  connections: ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb', 'lib/stores/dynamodb-json.ts'],
  uploads: ['@aws-sdk/client-s3'],
  notifications: ['@aws-sdk/client-sqs'],
  delivery: ['@aws-sdk/client-sqs'],
  // Signed HTTP requests on the SDK's own signer, which every AWS client bundles too.
  wsManagement: ['lib/stores/ws-management.ts'],
  // A secret read through the Secrets Manager client every function may use: no package of its own.
  signingKey: [],
  pushKeys: [],
  mail: ['@aws-sdk/client-sesv2'],
  oauthClients: ['openid-client'],
}

export interface Bundle {
  file: string
  /** The npm packages with code in the bundle, and the project's modules (tree-shaken inputs left out). */
  packages: Set<string>
}

const packagesIn = (inputs: readonly string[]) =>
  new Set(
    inputs.map((input) =>
      input.includes('node_modules/')
        ? (/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1] ?? input)
        : input,
    ),
  )

/**
 * Every function bundled at once into `dir` (one esbuild run shares the parsing of their common modules), with the
 * options infra/cloud/chat-function.ts deploys them with (infra/cloud/bundling/options.ts).
 */
export async function bundleAll(dir: string): Promise<Map<string, Bundle>> {
  const { metafile } = await build({
    entryPoints: Object.entries(functions).map(([name, spec]) => ({ in: spec.entry, out: `${name}/index` })),
    outdir: dir,
    outExtension: { '.js': '.mjs' },
    absWorkingDir: repositoryRoot,
    ...functionBundling,
    metafile: true,
    logLevel: 'silent',
  })
  const nameOf = new Map(
    Object.entries(functions).map(([name, spec]): [string, string] => [spec.entry, name]),
  )
  const bundles = new Map<string, Bundle>()
  for (const [file, output] of Object.entries(metafile.outputs)) {
    const name = nameOf.get(output.entryPoint ?? '')
    // Inputs tree-shaken away are listed too, with no bytes in the output.
    const kept = Object.entries(output.inputs).filter(([, input]) => input.bytesInOutput > 0)
    if (name)
      bundles.set(name, {
        file: join(repositoryRoot, file),
        packages: packagesIn(kept.map(([path]) => path)),
      })
  }
  return bundles
}

/**
 * The stores whose client is in the bundle though the function neither uses nor probes them: a client package
 * counts against a store only when no store the function does reach needs it (two queues share the SQS client).
 */
export function unusedClients(spec: FunctionSpec, bundle: Bundle): Store[] {
  const reaches: readonly Store[] = [...spec.uses, ...(spec.probes ?? [])]
  const needed = new Set(reaches.flatMap((store) => clientPackages[store]))
  return (Object.keys(clientPackages) as Store[]).filter(
    (store) =>
      !reaches.includes(store) &&
      clientPackages[store].some((name) => bundle.packages.has(name) && !needed.has(name)),
  )
}
