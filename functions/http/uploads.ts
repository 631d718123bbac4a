// POST /uploads (a presigned POST for one file) and GET /uploads/{key+} (a short-lived presigned GET).
import { type MongoHttpDeps, mongoStoreDeps } from '../../lib/http/mongo-deps.ts'
import { routeByKey, routes } from '../../lib/http/route.ts'
import { json } from '../../lib/http/stack.ts'
import { fileRoutes as http } from '../../lib/protocol/http/files.ts'
import { perUser } from '../../lib/rate-limit/middleware.ts'
import { presignDownload } from '../../lib/uploads/download.ts'
import { presignUpload } from '../../lib/uploads/presign.ts'
import { type UploadStore, uploadStore } from '../../lib/uploads/store.ts'

/** The S3 client stays out of MongoHttpDeps, so the functions that never touch files do not bundle it. */
export interface UploadsDeps extends MongoHttpDeps {
  uploads: () => UploadStore
}

export function createUploadsHandler(deps: UploadsDeps) {
  const route = routes(deps)
  return routeByKey({
    'POST /uploads': route.caller(
      { ...http['POST /uploads'], guards: [perUser(30, '1 m', { redis: deps.redis })] },
      async ({ caller, body, audit }) =>
        json(200, await presignUpload({ store: deps.uploads(), audit }, caller.id, body)),
    ),
    'GET /uploads/{key+}': route.caller(http['GET /uploads/{key+}'], async ({ caller, path, audit }) => {
      const ctx = { store: deps.uploads(), sql: await deps.sql(), audit }
      return json(200, await presignDownload(ctx, caller.id, path.key))
    }),
  })
}

export const handler = createUploadsHandler({ ...mongoStoreDeps, uploads: () => uploadStore() })
