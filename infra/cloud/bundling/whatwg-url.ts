// Stands in for the whatwg-url package in function bundles: Node's own URL implements the same WHATWG standard.
// mongodb-connection-string-url reads only `URL` from it; the package's IDNA tables (tr46) are a quarter of a
// MongoDB-using bundle and cost its cold start for nothing Node lacks.
export const URL = globalThis.URL
export const URLSearchParams = globalThis.URLSearchParams
