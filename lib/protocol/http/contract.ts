// What a route's contract holds: its inputs as the handler parses them and its answers as clients read them.
import type * as z from 'zod'

export interface RouteContract {
  /** One line for the reference. */
  summary: string
  /** The API area, a tag in the reference. */
  area: string
  /** Needs `Authorization: Bearer <access token>`. */
  auth: boolean
  path?: z.ZodType
  query?: z.ZodType
  body?: z.ZodType
  /** Each success status with its body (null: none). */
  responses: Record<number, z.ZodType | null>
  /** Problem statuses the route answers beyond those any route may (400, 429, 500, 503; 401 with auth). */
  problems?: readonly number[]
}
