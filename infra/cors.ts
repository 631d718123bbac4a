// CORS of the HTTP API, defined once: the CDK stack configures API Gateway with it, the local gateway answers by it.

/** What a page on an allowed origin may send and read. API Gateway answers preflights and adds these itself. */
export const corsPolicy = {
  allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
  allowHeaders: ['authorization', 'content-type'],
  /** The rate-limit fields, so a page can back off without guessing. */
  exposeHeaders: [
    'retry-after',
    'ratelimit-limit',
    'ratelimit-remaining',
    'ratelimit-reset',
    'ratelimit-policy',
  ],
  maxAgeSeconds: 3600,
} as const

/** ALLOWED_ORIGINS as the stack and the functions read it: comma-separated, blanks ignored. */
export function originsFrom(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin.length > 0)
}

type Headers = Record<string, string>

/**
 * The answer API Gateway gives a preflight (OPTIONS with Origin and Access-Control-Request-Method) when CORS is
 * configured: 204, with the allow headers for a listed origin and none for any other. Undefined when the request is
 * not a preflight or CORS is off (no origins), in which case it is routed like any request.
 */
export function preflightHeaders(
  method: string,
  headers: Readonly<Record<string, string | undefined>>,
  allowedOrigins: readonly string[],
): Headers | undefined {
  const origin = headers.origin
  const requested = headers['access-control-request-method']
  if (method !== 'OPTIONS' || allowedOrigins.length === 0 || !origin || !requested) return undefined
  if (!allowedOrigins.includes(origin)) return {}
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-methods': corsPolicy.allowMethods.join(','),
    'access-control-allow-headers': corsPolicy.allowHeaders.join(','),
    'access-control-max-age': String(corsPolicy.maxAgeSeconds),
    vary: 'origin',
  }
}

/**
 * The CORS headers of an ordinary response: API Gateway drops any the integration set and adds its own for a
 * listed origin. Undefined when CORS is off, so the integration's headers stand.
 */
export function responseCorsHeaders(
  origin: string | undefined,
  allowedOrigins: readonly string[],
): Headers | undefined {
  if (allowedOrigins.length === 0) return undefined
  if (!origin || !allowedOrigins.includes(origin)) return {}
  return {
    'access-control-allow-origin': origin,
    'access-control-expose-headers': corsPolicy.exposeHeaders.join(','),
    vary: 'origin',
  }
}
