// Ids of conversations and of their members, as the conversation routes and frames read them.
import { entityId } from '../protocol/shared.ts'

export const conversationId = entityId('conversation')
export const memberId = entityId('user')
