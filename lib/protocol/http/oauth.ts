// /auth/oauth: sign-in with Google (OpenID Connect) or GitHub (OAuth 2.0), and the one-time code exchange.
import * as z from 'zod'
import { session } from '../entities.ts'
import { accountTokenPattern } from './auth.ts'
import type { RouteContract } from './contract.ts'

export const providerNames = ['google', 'github'] as const
export const providerPath = z.strictObject({ provider: z.enum(providerNames) })
export const startQuery = z.strictObject({ redirect: z.url().max(2048) })
// The provider adds what it likes (scope, authuser, iss, error...): the callback reads its own URL as a whole.
const callbackParameter = z.string().max(4096)
export const callbackQuery = z
  .object({
    code: callbackParameter.optional(),
    state: callbackParameter.optional(),
    iss: callbackParameter.optional(),
    error: callbackParameter.optional(),
    error_description: callbackParameter.optional(),
  })
  .catchall(callbackParameter)
export const exchangeInput = z
  .strictObject({ code: z.string().regex(accountTokenPattern, 'is not a sign-in code') })
  .meta({ id: 'SignInCode' })

const area = 'auth'

export const oauthRoutes = {
  'GET /auth/oauth/{provider}/start': {
    area,
    summary: 'Send the browser to the provider (PKCE, state, nonce); redirect must be on the allowlist',
    auth: false,
    path: providerPath,
    query: startQuery,
    responses: { 302: null },
    problems: [404],
  },
  'GET /auth/oauth/{provider}/callback': {
    area,
    summary: 'The provider returns here; the browser goes on to the client URL with a one-time code',
    auth: false,
    path: providerPath,
    query: callbackQuery,
    responses: { 302: null },
    problems: [404],
  },
  'POST /auth/oauth/exchange': {
    area,
    summary: 'Trade the one-time code (single use, 60 seconds) for a session',
    auth: false,
    body: exchangeInput,
    responses: { 200: session },
    problems: [401],
  },
} satisfies Record<string, RouteContract>
