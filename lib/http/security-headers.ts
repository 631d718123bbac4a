// Security headers on every response, errors included: middy's set plus a CSP and frame denial for JSON too.
import type middy from '@middy/core'
import httpSecurityHeaders from '@middy/http-security-headers'
import type { HttpContext, HttpEvent, HttpResult } from './stack.ts'

/** An API answers data, never a document: nothing may load, frame or submit from it. */
const contentSecurityPolicy =
  "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

export function securityHeaders(): middy.MiddlewareObj<HttpEvent, HttpResult, Error, HttpContext> {
  // middy writes CSP and X-Frame-Options only on text/html responses; the rest of its defaults apply as they are.
  // Two years of HSTS; `preload` is a promise only the domain's owner can make, so it is not made here.
  const helmet = httpSecurityHeaders({
    strictTransportSecurity: { maxAge: 63_072_000, includeSubDomains: true, preload: false },
  })
  const after = async (request: middy.Request<HttpEvent, HttpResult, Error, HttpContext>) => {
    await helmet.after?.(request as never)
    const response = request.response as HttpResult
    const headers: Record<string, string> = {}
    // One spelling per header: middy writes Title-Case names, the rest of the stack lower case.
    for (const [name, value] of Object.entries(response.headers ?? {})) {
      // middy writes an empty Reporting-Endpoints when none are configured; an empty header says nothing.
      if (value !== undefined && value !== '') headers[name.toLowerCase()] = String(value)
    }
    headers['content-security-policy'] ??= contentSecurityPolicy
    headers['x-frame-options'] ??= 'DENY'
    headers['cache-control'] ??= 'no-store'
    response.headers = headers
  }
  return {
    after,
    onError: async (request) => {
      if (request.response !== undefined) await after(request)
    },
  }
}
