// What npm run dev serves beside the API: the documents as generated now, the reference page, nothing else.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type LocalRuntime, startLocalRuntime } from '../../../infra/local/runtime.ts'
import { devSite } from '../../../infra/local/site.ts'
import { fixtureEnv, fixtureRoutes } from './routes.ts'

let runtime: LocalRuntime

beforeAll(async () => {
  runtime = await startLocalRuntime({
    routes: fixtureRoutes,
    env: fixtureEnv,
    httpPort: 0,
    wsPort: 0,
    site: devSite('/nonexistent-web-root'),
  })
})
afterAll(() => runtime?.stop())

describe('the dev site', () => {
  it('serves both API documents and a reference page that links them', async () => {
    const openapi = await fetch(`${runtime.httpUrl}/openapi.json`)
    expect(openapi.headers.get('content-type')).toBe('application/json')
    expect(((await openapi.json()) as { openapi: string }).openapi).toBe('3.1.0')
    const asyncapi = (await (await fetch(`${runtime.httpUrl}/asyncapi.json`)).json()) as { asyncapi: string }
    expect(asyncapi.asyncapi).toBe('3.0.0')
    const page = await fetch(`${runtime.httpUrl}/reference`)
    expect(page.headers.get('content-type')).toContain('text/html')
    const html = await page.text()
    expect(html).toContain('href="/openapi.json"')
    expect(html).toContain('<h4 id="sendmessage">sendMessage</h4>')
  })

  it('leaves routed paths to the API and answers 404 for what neither holds, files outside the root included', async () => {
    expect((await fetch(`${runtime.httpUrl}/items/1`)).status).toBe(200)
    for (const path of ['/app/', '/app/../package.json', '/app/%2e%2e/package.json', '/elsewhere'])
      expect((await fetch(`${runtime.httpUrl}${path}`)).status, path).toBe(404)
  })
})
