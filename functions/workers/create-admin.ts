// The first administrator of a stage, whose database is private: invoked by the operator through the Lambda API
// (`npm run create-admin -- --stage <stage>`), never routed from the internet.
import type { Context } from 'aws-lambda'
import * as z from 'zod'
import { mongoAudit } from '../../lib/audit/log.ts'
import { mongoDb } from '../../lib/stores/mongo.ts'
import { postgresClient } from '../../lib/stores/postgres.ts'
import { createAdmin, newAdminInput, promoteToAdmin } from '../../lib/users/create-admin.ts'

export const createAdminRequest = z.union([
  newAdminInput,
  z.strictObject({ promote: z.string().min(1).max(320) }),
])
export type CreateAdminRequest = z.infer<typeof createAdminRequest>

export const handler = async (event: unknown, context: Context) => {
  const request = createAdminRequest.parse(event)
  const sql = await postgresClient()
  const audit = mongoAudit(mongoDb, {
    ip: 'operator',
    userAgent: 'create-admin',
    requestId: context.awsRequestId,
  })
  const account =
    'promote' in request
      ? await promoteToAdmin({ sql, audit }, request.promote)
      : await createAdmin({ sql, audit }, request)
  return { id: account.id, username: account.username, role: account.role }
}
