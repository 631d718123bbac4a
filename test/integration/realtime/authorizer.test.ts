// The $connect authorizer: a live session's token lets the user in with their id; anything else is refused.
import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createAuthorizer } from '../../../functions/ws/authorizer.ts'
import { repositoryRoot } from '../../../infra/local/gateway/table.ts'
import { verifyingKeys } from '../../../lib/auth/keys.ts'
import { tokenSettings } from '../../../lib/auth/tokens.ts'
import { authorizeConnect, type ConnectAuthorizerEvent } from '../../../lib/connections/authorize.ts'
import { logger } from '../../../lib/log.ts'
import { postgresClient } from '../../../lib/stores/postgres.ts'
import { disable, endSession, person } from './people.ts'

const sampleText = readFileSync(`${repositoryRoot}/events/ws/authorizer.json`, 'utf8')

/** A fresh copy of the sample event per test, with the given token and headers. */
function sample(token: string | undefined, headers: Record<string, string> = {}): ConnectAuthorizerEvent {
  const event = JSON.parse(sampleText) as ConnectAuthorizerEvent & { headers: Record<string, string> }
  event.queryStringParameters = token === undefined ? {} : { token }
  event.headers = { ...event.headers, ...headers }
  return event
}

const authorizer = createAuthorizer()
const deps = async (allowedOrigins: string[]) => ({
  sql: await postgresClient(),
  tokens: { keys: await verifyingKeys(), settings: tokenSettings() },
  allowedOrigins,
})

afterEach(() => {
  vi.restoreAllMocks()
})

describe('wsAuthorizer', () => {
  it('allows a live session on the event’s method ARN and hands on the user and session', async () => {
    const user = await person()
    const event = sample(user.token)
    expect(await authorizer(event)).toEqual({
      principalId: user.id,
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
      },
      context: { userId: user.id, sessionId: user.sessionId },
    })
  })

  const tokens: [string, () => Promise<string | undefined>][] = [
    ['a missing token', async () => undefined],
    ['a malformed token', async () => 'not.a.token'],
    ['a token with a forged signature', async () => `${(await person()).token.slice(0, -6)}AAAAAA`],
  ]
  it.for(tokens)('refuses %s with Unauthorized', async ([, token]) => {
    await expect(authorizer(sample(await token()))).rejects.toThrow(/^Unauthorized$/)
  })

  it('refuses a disabled user and an ended session, though their tokens still verify', async () => {
    const disabled = await person()
    await disable(disabled)
    await expect(authorizer(sample(disabled.token))).rejects.toThrow(/^Unauthorized$/)
    const loggedOut = await person()
    await endSession(loggedOut)
    await expect(authorizer(sample(loggedOut.token))).rejects.toThrow(/^Unauthorized$/)
  })

  it('denies a browser on an origin not allowed, and lets allowed origins and non-browser clients in', async () => {
    const user = await person()
    const allowed = await deps(['https://chat.example.com'])
    const denied = await authorizeConnect(allowed, sample(user.token, { Origin: 'https://evil.example' }))
    expect(denied.policyDocument.Statement[0]).toMatchObject({ Effect: 'Deny' })
    expect('context' in denied).toBe(false)
    const browser = await authorizeConnect(
      allowed,
      sample(user.token, { origin: 'https://chat.example.com' }),
    )
    expect(browser.policyDocument.Statement[0]).toMatchObject({ Effect: 'Allow' })
    const native = await authorizeConnect(allowed, sample(user.token))
    expect(native.policyDocument.Statement[0]).toMatchObject({ Effect: 'Allow' })
  })

  it('logs every attempt with who and why, and never the token', async () => {
    const lines: unknown[] = []
    for (const level of ['info', 'warn', 'error'] as const)
      vi.spyOn(logger, level).mockImplementation((...args: unknown[]) => void lines.push(args))
    const user = await person()
    await authorizer(sample(user.token))
    await authorizer(sample(`${user.token}x`)).catch(() => undefined)
    const logged = JSON.stringify(lines)
    expect(lines).toHaveLength(2)
    expect(logged).toContain(user.id)
    expect(logged).toContain('refused')
    expect(logged).not.toContain(user.token.split('.')[2])
  })
})
