// Builds the web client into client/web/dist: the SDK and app bundled by esbuild, the page, and config.json.
import { copyFile, mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const here = dirname(fileURLToPath(import.meta.url))
export const webDist = join(here, 'dist')

export interface WebConfig {
  /** The HTTP API's base URL. */
  apiUrl: string
  /** The WebSocket API's URL. */
  wsUrl: string
}

/** Bundles the client; `config.json` (the API and WebSocket URLs) is written only when given. */
export async function buildWebClient(config?: WebConfig): Promise<string> {
  await mkdir(webDist, { recursive: true })
  await build({
    entryPoints: [join(here, 'app.ts')],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    sourcemap: true,
    outfile: join(webDist, 'app.js'),
    logLevel: 'warning',
  })
  for (const file of ['index.html', 'style.css']) await copyFile(join(here, file), join(webDist, file))
  if (config) await writeFile(join(webDist, 'config.json'), `${JSON.stringify(config, null, 2)}\n`)
  return webDist
}

// `npm run build:web -- <apiUrl> <wsUrl>`: a build to host anywhere, pointed at a deployed stage.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [apiUrl, wsUrl] = process.argv.slice(2)
  if (!apiUrl || !wsUrl) throw new Error('usage: npm run build:web -- <HttpApiUrl> <WebSocketUrl>')
  console.log(`built ${await buildWebClient({ apiUrl, wsUrl })}`)
}
