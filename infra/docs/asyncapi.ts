// The AsyncAPI 3.0 document of the WebSocket API, generated from the protocol's schemas and examples.
import { createDocument, type ZodOpenApiPathsObject } from 'zod-openapi'
import { actionExamples, frameExamples } from '../../lib/protocol/examples.ts'
import { clientActions, serverFrames } from '../../lib/protocol/ws.ts'
import { webSocket } from '../routes.ts'
import { renderOptions } from './render.ts'

const actionSummaries: Record<keyof typeof clientActions, string> = {
  ping: 'Keep the connection alive and measure it; answered by pong (counts as activity)',
  sendMessage:
    'Send a message to a conversation or to a friend (toUserId); answered by message.ack once stored, or by an ' +
    'error frame echoing clientMsgId. Resending the same clientMsgId answers the stored message again.',
  typing: 'Tell the other members online that you started or stopped typing (rate-limited, never stored)',
  markRead: 'Move your read marker to seq; the other members get a read frame',
  editMessage: 'Give your own message a new body, within the edit window; the members get message.updated',
  deleteMessage:
    'Delete your own message, or any in a group you own or administer: it becomes a tombstone (message.deleted)',
  react:
    'Put your emoji reaction on a message (on: true) or take it off; the members get reaction with the counts',
  ackDelivery:
    'Say this device has received the conversation up to seq (cumulative); the senders it newly covers get delivered',
  resume:
    'Catch up from a cursor (the cursor of the last frame you received, or of a GET /sync page): every event since, ' +
    'as the frames below, in order, then resumed; resume again from its cursor while hasMore. Live frames keep ' +
    'coming meanwhile: drop any whose conversationId and event you already have. A cursor older than the ' +
    'retention period, or not issued here, is answered by an error frame with code cursor_expired: read the ' +
    'history again and start over from GET /sync without a cursor',
}

const frameSummaries: Record<keyof typeof serverFrames, string> = {
  pong: 'The answer to ping',
  error: 'A frame could not be served; `action` and `clientMsgId` echo it',
  'message.ack': 'Your message is stored with its seq (to the sending connection only)',
  'message.new':
    "A member's message, to every other connection of every member; a gap in seq means fetch history",
  read: "A member's read marker moved",
  delivered: 'To a sender: a member has received the conversation up to seq, covering a message of yours',
  typing: 'A member started or stopped typing',
  presence: 'A friend came online or went offline',
  notification: 'A new entry of your notification inbox',
  'friend.request': 'Someone asked you to be friends',
  'friend.accepted': 'Someone accepted your request',
  'message.updated': 'A message was edited: its new body and when',
  'message.deleted': 'A message is now a tombstone (same seq, no body)',
  reaction: "A member's reaction went on or off; counts are the message's counts after it",
  'member.added': 'Someone joined a group you are in',
  'member.removed': 'Someone left or was removed from a group (sent to them too)',
  'conversation.updated':
    "A group's name or owner changed, or (its event 1) the group was made with you in it: read it if it is new to you",
  resumed: 'A resume page was sent: continue from cursor, resuming again while hasMore',
}

/** A frame's key among the component messages, apart from the actions': `message.new` -> `messageNewFrame`. */
const key = (type: string) => `${type.replace(/\.(\w)/g, (_, letter: string) => letter.toUpperCase())}Frame`

/** The JSON Schemas of every payload, rendered as the HTTP document renders bodies (inputs) and answers (outputs). */
function payloadSchemas(): Record<string, unknown> {
  const paths: ZodOpenApiPathsObject = {}
  for (const [name, schema] of Object.entries(clientActions))
    paths[`/action/${name}`] = {
      post: { requestBody: { content: { 'application/json': { schema } } }, responses: {} },
    }
  for (const [type, schema] of Object.entries(serverFrames))
    paths[`/frame/${type}`] = {
      get: { responses: { 200: { description: type, content: { 'application/json': { schema } } } } },
    }
  const rendered = createDocument(
    { openapi: '3.1.0', info: { title: '', version: '' }, paths },
    renderOptions,
  )
  return rendered.components?.schemas ?? {}
}

const componentOf = (schema: { meta(): { id?: string } | undefined }) => {
  const id = schema.meta()?.id
  if (!id) throw new Error('every action and frame schema needs a meta id')
  return { $ref: `#/components/schemas/${id}` }
}

export function asyncApiDocument() {
  const actions = Object.keys(clientActions) as (keyof typeof clientActions)[]
  const frames = Object.keys(serverFrames) as (keyof typeof serverFrames)[]
  const routed = webSocket.routes
    .map((route) => route.routeKey)
    .filter((routeKey) => !routeKey.startsWith('$'))
  for (const action of routed)
    if (!actions.includes(action as keyof typeof clientActions)) throw new Error(`no schema for ${action}`)

  const messages: Record<string, unknown> = {}
  for (const action of actions)
    messages[action] = {
      name: action,
      title: `${action} (client to server)`,
      summary: actionSummaries[action],
      contentType: 'application/json',
      payload: componentOf(clientActions[action]),
      examples: [{ name: action, payload: actionExamples[action] }],
    }
  for (const type of frames)
    messages[key(type)] = {
      name: type,
      title: `${type} (server to client)`,
      summary: frameSummaries[type],
      contentType: 'application/json',
      payload: componentOf(serverFrames[type]),
      examples: [{ name: type, payload: frameExamples[type] }],
    }
  const channelMessages = Object.fromEntries(
    Object.keys(messages).map((name) => [name, { $ref: `#/components/messages/${name}` }]),
  )
  const inChannel = (name: string) => ({ $ref: `#/channels/chat/messages/${name}` })
  const operations: Record<string, unknown> = {}
  for (const action of actions)
    operations[action] = {
      action: 'receive',
      channel: { $ref: '#/channels/chat' },
      summary: actionSummaries[action],
      messages: [inChannel(action)],
      ...(action === 'ping' && {
        reply: { channel: { $ref: '#/channels/chat' }, messages: [inChannel(key('pong'))] },
      }),
      ...(action === 'sendMessage' && {
        reply: {
          channel: { $ref: '#/channels/chat' },
          messages: [inChannel(key('message.ack')), inChannel(key('error'))],
        },
      }),
    }
  for (const type of frames)
    operations[`send${key(type).charAt(0).toUpperCase()}${key(type).slice(1, -'Frame'.length)}`] = {
      action: 'send',
      channel: { $ref: '#/channels/chat' },
      summary: frameSummaries[type],
      messages: [inChannel(key(type))],
    }

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Chat-Service WebSocket API',
      version: '1.0.0',
      description:
        'One connection per device. Open it with the access token in `?token=`; send JSON frames naming an ' +
        '`action`; receive JSON frames naming a `type`. A frame whose action is unknown gets an `error` frame. ' +
        'Connections idle for IDLE_TIMEOUT_MINUTES are closed: ping to stay. The HTTP API is in openapi.json.',
    },
    defaultContentType: 'application/json',
    servers: {
      local: { host: '127.0.0.1:3001', protocol: 'ws', description: 'npm run dev' },
      stage: {
        host: '{apiId}.execute-api.{region}.amazonaws.com',
        pathname: '/{stage}',
        protocol: 'wss',
        description: 'A deployed stage (its WebSocketUrl output)',
        variables: {
          apiId: { default: 'abc123' },
          region: { default: 'eu-west-1' },
          stage: { default: 'prod' },
        },
      },
    },
    channels: {
      chat: {
        address: '/',
        title: 'The connection',
        description: 'Routed on the `action` field of each frame the client sends.',
        messages: channelMessages,
        bindings: {
          ws: {
            bindingVersion: '0.1.0',
            query: {
              type: 'object',
              properties: {
                token: {
                  type: 'string',
                  description:
                    'The access token of a live session; $connect refuses (401) a missing, expired or revoked one ' +
                    'and (403) a page whose Origin is not allowed.',
                },
              },
              required: ['token'],
            },
          },
        },
      },
    },
    operations,
    components: { messages, schemas: payloadSchemas() },
  }
}
