// /auth: signup, login, refresh, logout, email verification, password reset and the caller's sessions.
import * as z from 'zod'
import * as fields from '../../users/fields.ts'
import { session } from '../entities.ts'
import type { RouteContract } from './contract.ts'

/** 32 random bytes, base64url: what the server hands out as a refresh token. */
export const refreshTokenPattern = /^[A-Za-z0-9_-]{43}$/

export const signupInput = z
  .strictObject({
    email: fields.email,
    username: fields.username,
    password: fields.password,
    displayName: fields.displayName.optional(),
  })
  .meta({ id: 'SignupInput' })
export type SignupInput = z.infer<typeof signupInput>

export const loginInput = z
  .strictObject({
    /** An email or a username. */
    login: z.string().trim().min(1, 'is required').max(254, 'is too long'),
    password: fields.password,
  })
  .meta({ id: 'LoginInput' })
export type LoginInput = z.infer<typeof loginInput>

export const refreshInput = z
  .strictObject({ refreshToken: z.string().regex(refreshTokenPattern, 'is not a refresh token') })
  .meta({ id: 'RefreshInput' })

/** 32 random bytes, base64url: a token mailed in a link, or a provider sign-in's one-time code. */
export const accountTokenPattern = /^[A-Za-z0-9_-]{43}$/

export const accountTokenInput = z
  .strictObject({ token: z.string().regex(accountTokenPattern, 'is not a token from one of our mails') })
  .meta({ id: 'AccountTokenInput' })
export const resetRequestInput = z.strictObject({ email: fields.email }).meta({ id: 'PasswordResetRequest' })
export const resetConfirmInput = accountTokenInput
  .extend({ password: fields.password })
  .meta({ id: 'PasswordResetConfirm' })
export type ResetConfirmInput = z.infer<typeof resetConfirmInput>
export const sessionPath = z.strictObject({ id: z.uuid({ message: 'must be a session id (UUID)' }) })

/** The one body of an accepted mail-sending request, whatever the address. */
const accepted = z.object({ message: z.string() }).meta({ id: 'Accepted' })
const sessionView = z
  .object({
    id: z.uuid(),
    createdAt: z.string(),
    lastUsedAt: z.string(),
    userAgent: z.string().nullable(),
    /** The network only: a /24 (IPv4) or a /48 (IPv6). */
    ipClass: z.string().nullable(),
    current: z.boolean(),
  })
  .meta({ id: 'SessionView' })

const area = 'auth'

export const authRoutes = {
  'POST /auth/signup': {
    area,
    summary: 'Create an account; the same answer whether or not the email is registered, the mail says which',
    auth: false,
    body: signupInput,
    responses: { 202: accepted },
    problems: [409],
  },
  'POST /auth/login': {
    area,
    summary: 'Start a session with an email or username and the password',
    auth: false,
    body: loginInput,
    responses: { 200: session },
    problems: [401],
  },
  'POST /auth/refresh': {
    area,
    summary: 'Trade a refresh token for a new session (the old token is spent)',
    auth: false,
    body: refreshInput,
    responses: { 200: session },
    problems: [401],
  },
  'POST /auth/logout': {
    area,
    summary: 'End the session of a refresh token; its WebSocket connections close',
    auth: false,
    body: refreshInput,
    responses: { 204: null },
  },
  'POST /auth/verify-email': {
    area,
    summary: 'Verify the address with the token of the mailed link (single use, 24 hours)',
    auth: false,
    body: accountTokenInput,
    responses: { 204: null },
  },
  'POST /auth/verify-email/resend': {
    area,
    summary: "Mail a new verification link to the caller's address, unless it is verified",
    auth: true,
    responses: { 202: accepted },
  },
  'POST /auth/password-reset': {
    area,
    summary: 'Mail a password reset link; the same answer whether or not an account uses the address',
    auth: false,
    body: resetRequestInput,
    responses: { 202: accepted },
  },
  'POST /auth/password-reset/confirm': {
    area,
    summary: 'Set a new password with the mailed token (single use, 30 minutes); ends every session',
    auth: false,
    body: resetConfirmInput,
    responses: { 204: null },
  },
  'GET /auth/sessions': {
    area,
    summary: "The caller's sessions, the current one marked",
    auth: true,
    responses: { 200: z.object({ items: z.array(sessionView) }) },
  },
  'DELETE /auth/sessions/{id}': {
    area,
    summary: 'End one of the caller’s sessions; its WebSocket connections close',
    auth: true,
    path: sessionPath,
    responses: { 204: null },
    problems: [404],
  },
  'DELETE /auth/sessions': {
    area,
    summary: 'End every session of the caller but the current one',
    auth: true,
    responses: { 200: z.object({ ended: z.number().int() }) },
  },
} satisfies Record<string, RouteContract>
