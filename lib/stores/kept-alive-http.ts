// One origin's HTTP(S) requests on kept-alive sockets, each answer read whole: the transport under the calls made
// per message (@connections posts, Redis REST commands), where `fetch` and the SDKs' stacks cost several times more CPU.
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'

export interface Answer {
  status: number
  headers: IncomingHttpHeaders
  text: string
}

export interface KeptAliveOrigin {
  /** The URL given, without a trailing slash. */
  base: URL
  /** Rejects on a socket or timeout error (no answer); any status is an answer. */
  request(options: {
    method: string
    path: string
    headers: Record<string, string>
    body?: Uint8Array | string
    timeoutMs?: number
  }): Promise<Answer>
}

export function keptAliveOrigin(url: string): KeptAliveOrigin {
  const base = new URL(url.replace(/\/$/, ''))
  const secure = base.protocol === 'https:'
  const send = secure ? httpsRequest : httpRequest
  const agent = secure
    ? new HttpsAgent({ keepAlive: true, maxSockets: 64 })
    : new HttpAgent({ keepAlive: true, maxSockets: 64 })
  return {
    base,
    request: ({ method, path, headers, body, timeoutMs }) =>
      new Promise((resolve, reject) => {
        const outgoing = send(
          {
            agent,
            method,
            host: base.hostname,
            port: base.port || undefined,
            path,
            headers,
            ...(timeoutMs !== undefined && { timeout: timeoutMs }),
          },
          (response) => {
            let text = ''
            response.setEncoding('utf8')
            response.on('data', (chunk: string) => {
              text += chunk
            })
            response.on('error', reject)
            response.on('end', () =>
              resolve({ status: response.statusCode ?? 0, headers: response.headers, text }),
            )
          },
        )
        outgoing.on('timeout', () => outgoing.destroy(new Error(`${method} ${base.host}${path} timed out`)))
        outgoing.on('error', reject)
        outgoing.end(body)
      }),
  }
}
