// POST /uploads (a presigned POST for one file) and GET /uploads/{key+} (a short-lived presigned GET).
import * as z from 'zod'
import { type HttpDeps, storeDeps } from '../../lib/http/deps.ts'
import { routeByKey, routes } from '../../lib/http/route.ts'
import { json } from '../../lib/http/stack.ts'
import { perUser } from '../../lib/rate-limit/middleware.ts'
import { presignDownload } from '../../lib/uploads/download.ts'
import { presignUpload, uploadRequest } from '../../lib/uploads/presign.ts'
import { type UploadStore, uploadStore } from '../../lib/uploads/store.ts'

/** The S3 client stays out of HttpDeps, so the functions that never touch files do not bundle it. */
export interface UploadsDeps extends HttpDeps {
  uploads: () => UploadStore
}

export function createUploadsHandler(deps: UploadsDeps) {
  const route = routes(deps)
  return routeByKey({
    'POST /uploads': route.caller(
      { body: uploadRequest, guards: [perUser(30, '1 m', { redis: deps.redis })] },
      async ({ caller, body, audit }) =>
        json(200, await presignUpload({ store: deps.uploads(), audit }, caller.id, body)),
    ),
    'GET /uploads/{key+}': route.caller(
      { path: z.strictObject({ key: z.string().max(1024) }) },
      async ({ caller, path, audit }) => {
        const ctx = { store: deps.uploads(), sql: await deps.sql(), audit }
        return json(200, await presignDownload(ctx, caller.id, path.key))
      },
    ),
  })
}

export const handler = createUploadsHandler({ ...storeDeps, uploads: () => uploadStore() })
