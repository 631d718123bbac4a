// What `npm run dev` serves beside the API: the API documents, their reference page, and the web client.
import { readFile } from 'node:fs/promises'
import { extname, join, normalize } from 'node:path'
import { documents, documentText } from '../docs/index.ts'
import { referencePage } from '../docs/reference.ts'
import { repositoryRoot } from './gateway/table.ts'

export interface Page {
  contentType: string
  body: Buffer
}

/** A GET the API does not route: answers a page, or undefined to let the API answer (404, as API Gateway). */
export type Site = (path: string) => Promise<Page | undefined>

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
}

/** Files under `root`, `index.html` for a folder; nothing outside it, whatever the path says. */
async function staticFile(root: string, path: string): Promise<Page | undefined> {
  const relative = normalize(decodeURIComponent(path)).replace(/^(\.\.(\/|$))+/, '')
  const file = join(root, relative.endsWith('/') || relative === '' ? `${relative}index.html` : relative)
  if (!file.startsWith(root)) return undefined
  try {
    return { contentType: types[extname(file)] ?? 'application/octet-stream', body: await readFile(file) }
  } catch {
    return undefined
  }
}

/** The pages of the mailed links (lib/mail/templates.ts: APP_URL's origin, then the page, then `#token=...`). */
const mailedLinkPages = new Set(['/verify-email', '/reset-password'])

/** The web client's page at another path: its relative URLs (script, style, config.json) still resolve under /app/. */
async function appPageAt(webRoot: string): Promise<Page | undefined> {
  const page = await staticFile(webRoot, '/')
  if (!page) return undefined
  const html = page.body.toString('utf8').replace('<head>', '<head>\n  <base href="/app/">')
  return { ...page, body: Buffer.from(html) }
}

/** Documents are generated from the schemas at each request, so the page always shows what the code says. */
export function devSite(webRoot = join(repositoryRoot, 'client/web/dist')): Site {
  return async (path) => {
    const name = path.slice(1)
    if (name in documents) {
      const build = documents[name as keyof typeof documents]
      return { contentType: 'application/json', body: Buffer.from(documentText(build())) }
    }
    if (path === '/reference')
      return { contentType: 'text/html; charset=utf-8', body: Buffer.from(referencePage()) }
    if (mailedLinkPages.has(path)) return appPageAt(webRoot)
    if (path === '/app') return staticFile(webRoot, '/')
    if (path.startsWith('/app/')) return staticFile(webRoot, path.slice('/app'.length))
    return undefined
  }
}
