// POST /auth/*: signup, login, refresh and logout.
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

const area = 'auth'

export const authRoutes = {
  'POST /auth/signup': {
    area,
    summary: 'Create an account and start its first session',
    auth: false,
    body: signupInput,
    responses: { 201: session },
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
} satisfies Record<string, RouteContract>
