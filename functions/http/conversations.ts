// /conversations: start, list, read and change conversations, manage group members, send, edit, delete and react
// to messages, page history, mark read.
import { addMembers, changeGroup, removeMember } from '../../lib/conversations/groups.ts'
import { conversationDetail, listConversations } from '../../lib/conversations/list.ts'
import { announceRead, markRead } from '../../lib/conversations/read-markers.ts'
import { startConversation } from '../../lib/conversations/start.ts'
import { type MongoHttpDeps, mongoStoreDeps } from '../../lib/http/mongo-deps.ts'
import { routeByKey, routes } from '../../lib/http/route.ts'
import { json, noContent } from '../../lib/http/stack.ts'
import { lifecycleContext } from '../../lib/messages/actions.ts'
import { messageStores, sendLimiter } from '../../lib/messages/deps.ts'
import { maxFrameBytes } from '../../lib/messages/frame-input.ts'
import { messageHistory, messageVersions } from '../../lib/messages/history.ts'
import { deleteMessage, editMessage, react } from '../../lib/messages/lifecycle.ts'
import { sendMessage } from '../../lib/messages/send.ts'
import { type SendingDeps, sendingDeps } from '../../lib/messages/sending-deps.ts'
import { reactionCountsOf } from '../../lib/messages/store.ts'
import { conversationRoutes as http } from '../../lib/protocol/http/conversations.ts'

export type ConversationsDeps = MongoHttpDeps & SendingDeps

export function createConversationsHandler(deps: ConversationsDeps) {
  const route = routes(deps)
  const limiter = sendLimiter(deps.redis)
  const stores = () => messageStores(deps)
  const groups = async () => ({ ...(await stores()), fanout: deps.fanout, delivery: deps.delivery })
  return routeByKey({
    'POST /conversations': route.caller(http['POST /conversations'], async ({ caller, body }) => {
      const { conversation, created } = await startConversation(await groups(), caller.id, body)
      return json(created ? 201 : 200, conversation)
    }),
    'GET /conversations': route.caller(http['GET /conversations'], async ({ caller, query }) =>
      json(200, await listConversations(await stores(), caller.id, query)),
    ),
    'GET /conversations/{id}': route.caller(http['GET /conversations/{id}'], async ({ caller, path }) =>
      json(200, await conversationDetail(await stores(), caller.id, path.id)),
    ),
    'PATCH /conversations/{id}': route.caller(
      http['PATCH /conversations/{id}'],
      async ({ caller, path, body }) => {
        await changeGroup(await groups(), caller.id, path.id, body)
        return json(200, await conversationDetail(await stores(), caller.id, path.id))
      },
    ),
    'POST /conversations/{id}/members': route.caller(
      http['POST /conversations/{id}/members'],
      async ({ caller, path, body }) => {
        await addMembers(await groups(), caller.id, path.id, body)
        return json(200, await conversationDetail(await stores(), caller.id, path.id))
      },
    ),
    'DELETE /conversations/{id}/members/{userId}': route.caller(
      http['DELETE /conversations/{id}/members/{userId}'],
      async ({ caller, path }) => {
        await removeMember(await groups(), caller.id, path.id, path.userId)
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
    'PATCH /conversations/{id}/messages/{seq}': route.caller(
      http['PATCH /conversations/{id}/messages/{seq}'],
      async ({ caller, path, body }) => {
        const input = { conversationId: path.id, seq: path.seq, body: body.body }
        const { message } = await editMessage(await lifecycleContext(deps), caller.id, input)
        const editedAt = (message.editedAt as Date).toISOString()
        return json(200, { conversationId: path.id, seq: path.seq, body: message.body, editedAt })
      },
    ),
    'DELETE /conversations/{id}/messages/{seq}': route.caller(
      http['DELETE /conversations/{id}/messages/{seq}'],
      async ({ caller, path }) => {
        await deleteMessage(await lifecycleContext(deps), caller.id, {
          conversationId: path.id,
          seq: path.seq,
        })
        return noContent()
      },
    ),
    'GET /conversations/{id}/messages/{seq}/edits': route.caller(
      http['GET /conversations/{id}/messages/{seq}/edits'],
      async ({ caller, path }) =>
        json(200, await messageVersions(await stores(), caller.id, path.id, path.seq)),
    ),
    'POST /conversations/{id}/messages/{seq}/reactions': route.caller(
      http['POST /conversations/{id}/messages/{seq}/reactions'],
      async ({ caller, path, body }) => {
        const input = { conversationId: path.id, seq: path.seq, ...body }
        const { message } = await react(await lifecycleContext(deps), caller.id, input)
        return json(200, { ...input, counts: reactionCountsOf(message) })
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

export const handler = createConversationsHandler({ ...sendingDeps, ...mongoStoreDeps })
