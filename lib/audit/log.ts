// The security audit log in MongoDB: who did what, when, from where, under which request id.
import type { Db } from 'mongodb'
import { logger } from '../log.ts'
import { auditRetentionSeconds, collections } from '../migrations/mongo.ts'

export type AuditAction =
  | 'auth.signup'
  | 'auth.login'
  | 'auth.refresh_reuse'
  | 'auth.logout'
  | 'auth.verify_email'
  | 'auth.verification_resend'
  | 'auth.password_reset_request'
  | 'auth.password_reset'
  | 'auth.session_end'
  | 'auth.oauth_login'
  | 'user.password_change'
  | 'user.delete'
  | 'admin.role_change'
  | 'admin.disable'
  | 'admin.enable'
  | 'upload.presign'
  | 'upload.download'
  | 'friend.request'
  | 'friend.accept'
  | 'friend.decline'
  | 'friend.cancel'
  | 'friend.unfriend'
  | 'friend.block'
  | 'friend.unblock'

export type AuditOutcome = 'success' | 'failure' | 'denied'

/** What a caller records; `details` holds identifiers and reasons, never a password or a token. */
export interface AuditEntry {
  action: AuditAction
  actorId: string | null
  targetId?: string
  outcome: AuditOutcome
  details?: Record<string, string | number | boolean | null>
}

/** Where a request came from, as API Gateway saw it. */
export interface RequestMeta {
  ip: string
  userAgent: string
  requestId: string
}

export type Audit = (entry: AuditEntry) => Promise<void>

export interface AuditDocument extends AuditEntry, RequestMeta {
  at: Date
  expireAt: Date
}

/**
 * Writes one document per action. A failed write does not undo the action it describes: the entry goes to
 * the structured log instead, so it is kept even while MongoDB is down.
 */
export function mongoAudit(db: () => Promise<Db>, meta: RequestMeta): Audit {
  return async (entry) => {
    const at = new Date()
    const document: AuditDocument = {
      ...entry,
      ...meta,
      at,
      expireAt: new Date(at.getTime() + auditRetentionSeconds * 1000),
    }
    try {
      await (await db()).collection<AuditDocument>(collections.auditLog).insertOne(document)
    } catch (error) {
      logger.error('audit write failed; entry kept here', { audit: document, error: error as Error })
    }
  }
}
