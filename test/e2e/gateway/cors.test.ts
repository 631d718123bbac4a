// CORS on the local HTTP API, from the one policy the stack gives API Gateway (infra/cors.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { corsPolicy } from '../../../infra/cors.ts'
import { type LocalRuntime, startLocalRuntime } from '../../../infra/local/runtime.ts'
import { fixtureEnv, fixtureRoutes } from './routes.ts'

const allowed = 'http://app.example:8080'
let runtime: LocalRuntime

beforeAll(async () => {
  runtime = await startLocalRuntime({
    routes: fixtureRoutes,
    env: { ...fixtureEnv, ALLOWED_ORIGINS: `${allowed}, http://other.example` },
    httpPort: 0,
    wsPort: 0,
  })
})
afterAll(() => runtime?.stop())

const preflight = (origin: string, path = '/items/1') =>
  fetch(`${runtime.httpUrl}${path}`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization',
    },
  })

describe('CORS on the local HTTP API', () => {
  it('answers a preflight from an allowed origin with 204 and the allow headers, on any path', async () => {
    for (const path of ['/items/1', '/nothing/here']) {
      const response = await preflight(allowed, path)
      expect(response.status).toBe(204)
      expect(response.headers.get('access-control-allow-origin')).toBe(allowed)
      expect(response.headers.get('access-control-allow-methods')).toBe(corsPolicy.allowMethods.join(','))
      expect(response.headers.get('access-control-allow-headers')).toBe('authorization,content-type')
      expect(response.headers.get('access-control-max-age')).toBe(String(corsPolicy.maxAgeSeconds))
    }
  })

  it('gives a foreign origin no allow headers, on a preflight or a request', async () => {
    const refused = await preflight('https://evil.example')
    expect(refused.status).toBe(204)
    expect(refused.headers.get('access-control-allow-origin')).toBeNull()
    const answered = await fetch(`${runtime.httpUrl}/items/1`, {
      headers: { origin: 'https://evil.example' },
    })
    expect(answered.status).toBe(200)
    expect(answered.headers.get('access-control-allow-origin')).toBeNull()
  })

  it("adds the allow and expose headers to an allowed origin's request", async () => {
    const response = await fetch(`${runtime.httpUrl}/items/1`, { headers: { origin: allowed } })
    expect(response.status).toBe(200)
    expect(response.headers.get('access-control-allow-origin')).toBe(allowed)
    expect(response.headers.get('access-control-expose-headers')).toBe(corsPolicy.exposeHeaders.join(','))
  })
})
