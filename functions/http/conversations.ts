// /conversations: start, list and read conversations, manage group members, send, page history, mark read.
import { addMembers, removeMember } from '../../lib/conversations/groups.ts'
import { conversationDetail, listConversations } from '../../lib/conversations/list.ts'
import { announceRead, markRead } from '../../lib/conversations/read-markers.ts'
import { startConversation } from '../../lib/conversations/start.ts'
import { type HttpDeps, storeDeps } from '../../lib/http/deps.ts'
import { routeByKey, routes } from '../../lib/http/route.ts'
import { json, noContent } from '../../lib/http/stack.ts'
import { messageStores, sendLimiter } from '../../lib/messages/deps.ts'
import { maxFrameBytes } from '../../lib/messages/frame-input.ts'
import { messageHistory } from '../../lib/messages/history.ts'
import { sendMessage } from '../../lib/messages/send.ts'
import { type SendingDeps, sendingDeps } from '../../lib/messages/sending-deps.ts'
import { httpContract as http } from '../../lib/protocol/http/index.ts'

export type ConversationsDeps = HttpDeps & SendingDeps

export function createConversationsHandler(deps: ConversationsDeps) {
  const route = routes(deps)
  const limiter = sendLimiter(deps.redis)
  const stores = () => messageStores(deps)
  return routeByKey({
    'POST /conversations': route.caller(http['POST /conversations'], async ({ caller, body }) => {
      const { conversation, created } = await startConversation(await stores(), caller.id, body)
      return json(created ? 201 : 200, conversation)
    }),
    'GET /conversations': route.caller(http['GET /conversations'], async ({ caller, query }) =>
      json(200, await listConversations(await stores(), caller.id, query)),
    ),
    'GET /conversations/{id}': route.caller(http['GET /conversations/{id}'], async ({ caller, path }) =>
      json(200, await conversationDetail(await stores(), caller.id, path.id)),
    ),
    'POST /conversations/{id}/members': route.caller(
      http['POST /conversations/{id}/members'],
      async ({ caller, path, body }) => {
        await addMembers(await deps.sql(), caller.id, path.id, body)
        return json(200, await conversationDetail(await stores(), caller.id, path.id))
      },
    ),
    'DELETE /conversations/{id}/members/{userId}': route.caller(
      http['DELETE /conversations/{id}/members/{userId}'],
      async ({ caller, path }) => {
        await removeMember(await deps.sql(), caller.id, path.id, path.userId)
        return noContent()
      },
    ),
    'GET /conversations/{id}/messages': route.caller(
      http['GET /conversations/{id}/messages'],
      async ({ caller, path, query }) =>
        json(200, await messageHistory(await stores(), caller.id, path.id, query)),
    ),
    'POST /conversations/{id}/messages': route.caller(
      { ...http['POST /conversations/{id}/messages'], maxBodyBytes: maxFrameBytes },
      async ({ caller, path, body }) => {
        const context = { ...deps, ...(await stores()), limiter }
        const sent = await sendMessage(context, caller.id, { conversationId: path.id }, body)
        return json(sent.duplicate ? 200 : 201, { clientMsgId: body.clientMsgId, message: sent.message })
      },
    ),
    'POST /conversations/{id}/read': route.caller(
      http['POST /conversations/{id}/read'],
      async ({ caller, path, body }) => {
        const marker = await markRead(await deps.sql(), caller.id, path.id, body.seq)
        await announceRead(deps.fanout, marker)
        return json(200, { conversationId: path.id, lastReadSeq: marker.seq })
      },
    ),
  })
}

export const handler = createConversationsHandler({ ...sendingDeps, ...storeDeps })
