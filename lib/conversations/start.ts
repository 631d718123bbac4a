// POST /conversations: a direct conversation with a friend (found or opened) or a new group.
import type { NewConversation } from '../protocol/http/conversations.ts'
import { openDirect } from './direct.ts'
import { createGroup, type GroupContext } from './groups.ts'
import { type ConversationDetail, conversationDetail } from './list.ts'

export async function startConversation(
  ctx: GroupContext,
  userId: string,
  input: NewConversation,
): Promise<{ conversation: ConversationDetail; created: boolean }> {
  const { id, created } =
    input.type === 'direct'
      ? await openDirect(ctx.sql, userId, input.userId).then((direct) => ({
          id: direct.conversationId,
          created: direct.created,
        }))
      : { id: await createGroup(ctx, userId, input), created: true }
  return { conversation: await conversationDetail(ctx, userId, id), created }
}
