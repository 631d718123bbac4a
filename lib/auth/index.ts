// What other areas use of authentication: the WebSocket authorizer verifies tokens through here.
export { authenticate, type Caller } from './caller.ts'
export { generateSigningKeys, type VerifyingKeys, verifyingKeys } from './keys.ts'
export { type AccessClaims, type TokenSettings, tokenSettings, verifyAccessToken } from './tokens.ts'
