// /users and /admin/users: own account, public profiles, search, administration.
import * as z from 'zod'
import * as fields from '../../users/fields.ts'
import { account, accountStatus, publicProfile } from '../entities.ts'
import { page, pageQuery } from '../shared.ts'
import type { RouteContract } from './contract.ts'

export const profileUpdate = z
  .strictObject({ username: fields.username.optional(), displayName: fields.displayName.optional() })
  .refine((update) => update.username !== undefined || update.displayName !== undefined, {
    message: 'name at least one of username, displayName',
  })
  .meta({ id: 'ProfileUpdate' })
export type ProfileUpdate = z.infer<typeof profileUpdate>

export const passwordChangeInput = z
  .strictObject({ currentPassword: fields.password, newPassword: fields.password })
  .meta({ id: 'PasswordChange' })
export type PasswordChangeInput = z.infer<typeof passwordChangeInput>

export const searchQuery = z.strictObject({
  q: z.string().trim().min(1, 'must not be empty').max(64, 'must have at most 64 characters'),
  ...pageQuery(50, 20),
})
export type SearchQuery = z.infer<typeof searchQuery>

export const accountListQuery = z.strictObject({ status: accountStatus.optional(), ...pageQuery(100, 50) })
export type AccountListQuery = z.infer<typeof accountListQuery>

export const accountUpdate = z
  .strictObject({ role: fields.role.optional(), status: z.enum(['active', 'disabled']).optional() })
  .refine((update) => update.role !== undefined || update.status !== undefined, {
    message: 'name at least one of role, status',
  })
  .meta({ id: 'AccountUpdate' })
export type AccountUpdate = z.infer<typeof accountUpdate>

export const userPath = z.strictObject({ id: fields.userId })

const area = 'users'

export const userRoutes = {
  'GET /users/me': { area, summary: 'Your own account', auth: true, responses: { 200: account } },
  'PATCH /users/me': {
    area,
    summary: 'Change your username or display name',
    auth: true,
    body: profileUpdate,
    responses: { 200: account },
    problems: [409],
  },
  'DELETE /users/me': {
    area,
    summary: 'Delete your account; every session ends',
    auth: true,
    responses: { 204: null },
  },
  'PUT /users/me/password': {
    area,
    summary: 'Change your password; every other session ends',
    auth: true,
    body: passwordChangeInput,
    responses: { 204: null },
  },
  'GET /users/{id}': {
    area,
    summary: "A user's public profile",
    auth: true,
    path: userPath,
    responses: { 200: publicProfile },
    problems: [404],
  },
  'GET /users': {
    area,
    summary: 'Search users by username and display name, best match first',
    auth: true,
    query: searchQuery,
    responses: { 200: page(publicProfile).meta({ id: 'PublicProfilePage' }) },
  },
  'GET /admin/users': {
    area: 'admin',
    summary: 'List accounts, newest first (administrators)',
    auth: true,
    query: accountListQuery,
    responses: { 200: page(account).meta({ id: 'AccountPage' }) },
    problems: [403],
  },
  'PATCH /admin/users/{id}': {
    area: 'admin',
    summary: "Change an account's role or status (administrators)",
    auth: true,
    path: userPath,
    body: accountUpdate,
    responses: { 200: account },
    problems: [403, 404, 409],
  },
} satisfies Record<string, RouteContract>
