// Log lines without credentials: a token or signature put in a URL must not land in the gateway's log.

/** Query parameters whose value is, or may be, a credential: access and refresh tokens, presigned URLs' signatures. */
const credentialName = /token|secret|passw|signature|credential|api[-_]?key|auth|session|code/i

/** `name=value` inside a query string, the name possibly percent-encoded. */
const queryParameter = /([?&;])([^=&;#\s?]+)=([^&;#\s]*)/g

/** A JWS in compact form (header.payload.signature), wherever it appears. */
const compactJws = /\beyJ[\w-]*\.[\w-]+\.[\w-]*/g

export const redacted = 'REDACTED'

export function redactCredentials(line: string): string {
  return line
    .replace(queryParameter, (whole, separator: string, name: string) => {
      let decoded = name
      try {
        decoded = decodeURIComponent(name)
      } catch {
        // A malformed escape is judged as written.
      }
      return credentialName.test(decoded) ? `${separator}${name}=${redacted}` : whole
    })
    .replace(compactJws, redacted)
}

/** Wraps a log sink so every line it gets is redacted first. */
export const redactingLog =
  (log: (line: string) => void) =>
  (line: string): void =>
    log(redactCredentials(line))
