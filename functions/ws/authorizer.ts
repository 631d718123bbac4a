// The WebSocket API's REQUEST authorizer on $connect: verifies `?token=` and hands the user and session on.
import { tokenSettings, verifyingKeys } from '../../lib/auth/index.ts'
import type { Tokens } from '../../lib/auth/tokens.ts'
import { config } from '../../lib/config.ts'
import { authorizeConnect, type ConnectAuthorizerEvent } from '../../lib/connections/authorize.ts'
import { postgresClient, type Sql } from '../../lib/stores/postgres.ts'

export interface AuthorizerStores {
  sql: () => Promise<Sql>
  tokens: () => Promise<Tokens>
}

// Only PostgreSQL and the public keys: no MongoDB driver in the bundle that every handshake waits for.
const stores: AuthorizerStores = {
  sql: postgresClient,
  tokens: async () => ({ keys: await verifyingKeys(), settings: tokenSettings() }),
}

export function createAuthorizer(deps: AuthorizerStores = stores) {
  return async (event: ConnectAuthorizerEvent) => {
    const [sql, tokens] = await Promise.all([deps.sql(), deps.tokens()])
    return authorizeConnect({ sql, tokens, allowedOrigins: config().ALLOWED_ORIGINS }, event)
  }
}

export const handler = createAuthorizer()
