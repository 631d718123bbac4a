// The OpenAPI 3.1 document of the HTTP API, generated from the route contracts (npm run docs writes docs/).
import type * as z from 'zod'
import { createDocument } from 'zod-openapi'
import { httpContract, type RouteContract } from '../../lib/protocol/http/index.ts'
import { problem } from '../../lib/protocol/problem.ts'
import { renderOptions } from './render.ts'

const statusText: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No content',
  400: 'The request is invalid: `errors` names each field',
  401: 'No valid access token (or, on /auth, the credentials were refused)',
  403: 'Not allowed to the caller',
  404: 'No such resource, or not visible to the caller',
  409: 'Conflicts with the current state',
  413: 'Too large',
  415: 'Type not allowed',
  429: 'Rate limited: Retry-After says when to retry',
  500: 'Internal error',
  503: 'A store is unavailable; retry shortly',
}

const areas: Record<string, string> = {
  auth: 'Accounts and sessions: an access token for requests, a refresh token for the next one',
  users: 'Your account, public profiles and search',
  admin: 'Accounts as administrators see them',
  friends: 'Friend requests, friends and blocks',
  presence: "Friends' online status",
  conversations: 'Direct and group conversations, members, history, sending and read markers',
  uploads: 'Files: presigned POST to upload, presigned GET to download',
  notifications: 'The inbox of what happened while you were away',
  health: 'Store reachability',
}

/** What any route may answer besides its own: validation, limits, faults. */
const everyRoute = [400, 429, 500, 503]

const problemContent = { 'application/problem+json': { schema: problem } }

function operation(key: string, contract: RouteContract) {
  const problems = [...everyRoute, ...(contract.auth ? [401] : []), ...(contract.problems ?? [])]
  const responses: Record<string, unknown> = {}
  for (const [status, body] of Object.entries(contract.responses))
    responses[status] = {
      description: statusText[Number(status)] ?? status,
      ...(body && { content: { 'application/json': { schema: body } } }),
    }
  for (const status of [...new Set(problems)].sort())
    responses[String(status)] = { description: statusText[status] ?? String(status), content: problemContent }
  const requestParams: { path?: z.ZodObject; query?: z.ZodObject } = {}
  if (contract.path) requestParams.path = contract.path as z.ZodObject
  if (contract.query) requestParams.query = contract.query as z.ZodObject
  return {
    operationId: operationId(key),
    summary: contract.summary,
    tags: [contract.area],
    ...(contract.auth ? { security: [{ bearer: [] }] } : { security: [] }),
    ...(Object.keys(requestParams).length > 0 && { requestParams }),
    ...(contract.body && {
      requestBody: { required: true, content: { 'application/json': { schema: contract.body } } },
    }),
    responses,
  }
}

/** `POST /friends/{userId}/accept` -> `postFriendsUserIdAccept`. */
function operationId(key: string): string {
  const [method = '', path = ''] = key.split(' ')
  const words = path
    .split('/')
    .filter(Boolean)
    .map((part) => part.replace(/[{}+]/g, ''))
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
  return method.toLowerCase() + words.join('')
}

/** API Gateway's greedy `{key+}` is a plain parameter to OpenAPI; the summary says it holds slashes. */
export const openApiPath = (path: string) => path.replace(/\{(\w+)\+\}/g, '{$1}')

export function openApiDocument() {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const [key, contract] of Object.entries(httpContract) as [string, RouteContract][]) {
    const [method = '', path = ''] = key.split(' ')
    const entry = paths[openApiPath(path)] ?? {}
    entry[method.toLowerCase()] = operation(key, contract)
    paths[openApiPath(path)] = entry
  }
  return createDocument(
    {
      openapi: '3.1.0',
      info: {
        title: 'Chat-Service HTTP API',
        version: '1.0.0',
        description:
          'Accounts, friends, conversations, history, uploads and notifications. Errors are RFC 9457 problem ' +
          'documents. Real-time traffic is on the WebSocket API, described by asyncapi.json.',
      },
      servers: [
        { url: 'http://127.0.0.1:3000', description: 'npm run dev' },
        {
          url: 'https://{apiId}.execute-api.{region}.amazonaws.com',
          description: 'A deployed stage (its HttpApiUrl output)',
          variables: { apiId: { default: 'abc123' }, region: { default: 'eu-west-1' } },
        },
      ],
      tags: Object.entries(areas).map(([name, description]) => ({ name, description })),
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description: 'The accessToken of a session (POST /auth/login); POST /auth/refresh renews it.',
          },
        },
      },
      paths,
    },
    renderOptions,
  )
}
