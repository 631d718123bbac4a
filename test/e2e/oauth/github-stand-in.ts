// A local stand-in for GitHub's OAuth app endpoints (authorize, access_token) and the two API calls sign-in makes.
import { createHash, randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface GitHubUser {
  id: number
  login: string
  name: string
  emails: { email: string; primary: boolean; verified: boolean }[]
}

interface Grant {
  challenge: string | undefined
  method: string | undefined
  redirectUri: string
  user: GitHubUser
  used: boolean
}

export interface GitHubStandIn {
  url: string
  /** Who the next authorization signs in as. */
  signInAs(user: GitHubUser): void
  /** Token requests as received, so a test can see what the service sent. */
  tokenRequests: URLSearchParams[]
  stop(): Promise<void>
}

const body = (request: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    request.on('error', reject)
  })

/** Refuses what GitHub refuses: an unknown or used code, another redirect_uri, a verifier missing or not matching. */
export async function startGitHubStandIn(): Promise<GitHubStandIn> {
  let current: GitHubUser | undefined
  const grants = new Map<string, Grant>()
  const tokens = new Map<string, GitHubUser>()
  const tokenRequests: URLSearchParams[] = []
  const server: Server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://stand-in')
    const send = (status: number, value: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' })
      response.end(JSON.stringify(value))
    }
    if (request.method === 'GET' && url.pathname === '/login/oauth/authorize') {
      const redirectUri = url.searchParams.get('redirect_uri')
      if (!current || !redirectUri) return send(400, { error: 'invalid_request' })
      const code = randomBytes(10).toString('hex')
      grants.set(code, {
        challenge: url.searchParams.get('code_challenge') ?? undefined,
        method: url.searchParams.get('code_challenge_method') ?? undefined,
        redirectUri,
        user: current,
        used: false,
      })
      const back = new URL(redirectUri)
      back.searchParams.set('code', code)
      back.searchParams.set('state', url.searchParams.get('state') ?? '')
      response.writeHead(302, { location: back.href })
      return response.end()
    }
    if (request.method === 'POST' && url.pathname === '/login/oauth/access_token') {
      const form = new URLSearchParams(await body(request))
      tokenRequests.push(form)
      const grant = grants.get(form.get('code') ?? '')
      const verifier = form.get('code_verifier')
      const matches =
        grant?.method === 'S256' &&
        verifier !== null &&
        createHash('sha256').update(verifier).digest('base64url') === grant.challenge
      if (!grant || grant.used || grant.redirectUri !== form.get('redirect_uri') || !matches)
        return send(400, { error: 'bad_verification_code' })
      grant.used = true
      const token = randomBytes(16).toString('hex')
      tokens.set(token, grant.user)
      return send(200, { access_token: token, token_type: 'bearer', scope: 'read:user,user:email' })
    }
    const user = tokens.get((request.headers.authorization ?? '').replace(/^Bearer /i, ''))
    if (request.method === 'GET' && url.pathname === '/api/user')
      return user ? send(200, { id: user.id, login: user.login, name: user.name }) : send(401, {})
    if (request.method === 'GET' && url.pathname === '/api/user/emails')
      return user ? send(200, user.emails) : send(401, {})
    send(404, {})
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    signInAs: (user) => {
      current = user
    },
    tokenRequests,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
