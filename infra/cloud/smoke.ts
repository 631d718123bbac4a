// After a deploy: GET /health answers 200, and a WebSocket ping through the deployed API gets its pong.
// `npx tsx infra/cloud/smoke.ts cdk-outputs.json`: a throwaway account signs up for a token, and is deleted.
import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import WebSocket from 'ws'

const timeoutMs = 15_000

async function outputs(file: string): Promise<{ httpUrl: string; webSocketUrl: string }> {
  const stacks = JSON.parse(await readFile(file, 'utf8')) as Record<string, Record<string, string>>
  const stateless = Object.entries(stacks).find(([name]) => name.endsWith('-Stateless'))?.[1]
  if (!stateless?.HttpApiUrl || !stateless.WebSocketUrl)
    throw new Error(`${file} has no HttpApiUrl and WebSocketUrl`)
  return { httpUrl: stateless.HttpApiUrl.replace(/\/$/, ''), webSocketUrl: stateless.WebSocketUrl }
}

async function call(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) })
}

function pingPong(webSocketUrl: string, token: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${webSocketUrl}?token=${encodeURIComponent(token)}`)
    const timer = setTimeout(() => {
      socket.terminate()
      reject(new Error(`no pong within ${timeoutMs} ms`))
    }, timeoutMs)
    socket.once('open', () => socket.send(JSON.stringify({ action: 'ping' })))
    socket.once('unexpected-response', (_request, response) =>
      reject(new Error(`handshake refused: ${response.statusCode}`)),
    )
    socket.once('error', reject)
    socket.on('message', (data) => {
      if ((JSON.parse(String(data)) as { type?: string }).type !== 'pong') return
      clearTimeout(timer)
      socket.close()
      resolve()
    })
  })
}

async function main() {
  const file = process.argv[2] ?? 'cdk-outputs.json'
  const { httpUrl, webSocketUrl } = await outputs(file)
  const health = await call(`${httpUrl}/health`)
  console.log(`GET /health -> ${health.status}`)
  if (health.status !== 200) throw new Error(`GET /health answered ${health.status}: ${await health.text()}`)

  const name = `smoke_${randomBytes(6).toString('hex')}`
  const password = randomBytes(24).toString('base64url')
  const signup = await call(`${httpUrl}/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    // SES's mailbox simulator accepts the mail, in the sandbox too, and never bounces it.
    body: JSON.stringify({ email: `success+${name}@simulator.amazonses.com`, username: name, password }),
  })
  if (signup.status !== 202)
    throw new Error(`POST /auth/signup answered ${signup.status}: ${await signup.text()}`)
  // An unverified account may sign in: enough for the socket check.
  const login = await call(`${httpUrl}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: name, password }),
  })
  if (login.status !== 200)
    throw new Error(`POST /auth/login answered ${login.status}: ${await login.text()}`)
  const { accessToken } = (await login.json()) as { accessToken: string }
  try {
    await pingPong(webSocketUrl, accessToken)
    console.log('WebSocket ping -> pong')
  } finally {
    const removed = await call(`${httpUrl}/users/me`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${accessToken}` },
    })
    console.log(`DELETE /users/me (the smoke account) -> ${removed.status}`)
  }
}

main().catch((error: unknown) => {
  console.error(`smoke test failed: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
})
