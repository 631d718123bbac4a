// The messaging handlers over the real stores with a recording @connections client, called as API Gateway would.

import { randomUUID } from 'node:crypto'
import type { Context } from 'aws-lambda'
import { expect } from 'vitest'
import { createConversationsHandler } from '../../../functions/http/conversations.ts'
import { createSyncHandler } from '../../../functions/http/sync.ts'
import { createAckDeliveryHandler } from '../../../functions/ws/ack-delivery.ts'
import { createMarkReadHandler } from '../../../functions/ws/mark-read.ts'
import { createMessageChangeHandler } from '../../../functions/ws/message-change.ts'
import { createResumeHandler } from '../../../functions/ws/resume.ts'
import { createSendMessageHandler } from '../../../functions/ws/send-message.ts'
import { createTypingHandler } from '../../../functions/ws/typing.ts'
import { wsMessageEvent } from '../../../infra/local/gateway/events.ts'
import { localIdentity } from '../../../infra/local/gateway/table.ts'
import { configuredConnectionsTable } from '../../../lib/connections/lists.ts'
import { connectionRecord, recordConnection } from '../../../lib/connections/store.ts'
import { mongoStoreDeps } from '../../../lib/http/mongo-deps.ts'
import { type SendingDeps, sendingDeps } from '../../../lib/messages/sending-deps.ts'
import { dynamoClient } from '../../../lib/stores/dynamodb.ts'
import { dynamoJson } from '../../../lib/stores/dynamodb-json.ts'
import type { WsEvent } from '../../../lib/ws/handler.ts'
import { apiOver } from '../identity/api.ts'
import { type FakeManagement, fakeManagement } from '../realtime/fake-management.ts'
import { befriend, type Person, person } from '../realtime/people.ts'

export { befriend, type Person, person }

export interface Frame {
  type: string
  [field: string]: unknown
}

export interface SentMessage {
  id: string
  conversationId: string
  seq: number
  senderId: string
  body: string
}

/** The message a `message.ack` or `message.new` frame carries. */
export const messageIn = (frame: Frame | undefined) => frame?.message as SentMessage

const lambdaContext = {
  functionName: 'messaging-test',
  awsRequestId: 'test',
  // Each Lambda invocation has a process of its own; here a test runs a hundred at once in one process, queued
  // behind each other's Argon2 hashes and store round trips, so each gets far longer than a function's timeout
  // before middy answers 500 on its behalf (which a busy machine made happen with 15 s).
  getRemainingTimeInMillis: () => 120_000,
} as unknown as Context

export interface Harness {
  management: FakeManagement
  deps: SendingDeps
  /** HTTP calls to the conversations handler. */
  call: ReturnType<typeof apiOver>
  /** A live connection of the user, recorded in the connections table. */
  device(user: Person): Promise<string>
  /** Sends a frame as `connectionId` of `user` would, through the route its action names. */
  frame(user: Person, connectionId: string, body: Record<string, unknown> | string): Promise<void>
  /** Runs a whole WebSocket event (a sample, say) through the route it names. */
  invoke(event: WsEvent): Promise<void>
  /** Frames the connection has been sent so far, oldest first, without their sync `cursor` (test/integration/sync). */
  framesOf(connectionId: string): Frame[]
  /** The same with every field as sent. */
  sentTo(connectionId: string): Frame[]
  /** Forgets what these connections were sent so far (a group's creation, say, once checked). */
  forget(...connectionIds: string[]): void
}

export function harness(overrides: Partial<SendingDeps> = {}): Harness {
  const management = fakeManagement()
  const deps: SendingDeps = {
    ...sendingDeps,
    fanout: () => ({
      connections: dynamoJson(),
      table: configuredConnectionsTable(),
      management: management.client,
    }),
    ...overrides,
  }
  const routes = {
    sendMessage: createSendMessageHandler(deps),
    typing: createTypingHandler(deps),
    markRead: createMarkReadHandler(deps),
    ...Object.fromEntries(
      ['editMessage', 'deleteMessage', 'react'].map((action) => [action, createMessageChangeHandler(deps)]),
    ),
    ackDelivery: createAckDeliveryHandler(deps),
    resume: createResumeHandler({ ...deps, management: () => management.client }),
  }
  const call = apiOver({
    conversations: createConversationsHandler({ ...mongoStoreDeps, ...deps }),
    sync: createSyncHandler({ ...mongoStoreDeps, ...deps }),
  })
  return {
    management,
    deps,
    call,
    async device(user) {
      const connectionId = `${randomUUID().slice(0, 14)}=`
      await recordConnection(
        dynamoClient(),
        configuredConnectionsTable(),
        // Opened a minute ago: settled, so a 410 from it means it has gone.
        connectionRecord(connectionId, user.id, Date.now() - 60_000),
      )
      return connectionId
    },
    async frame(user, connectionId, body) {
      const text = typeof body === 'string' ? body : JSON.stringify(body)
      const action = typeof body === 'string' ? 'sendMessage' : String(body.action)
      const route = routes[action as keyof typeof routes]
      const event = wsMessageEvent(
        action,
        text,
        {
          connectionId,
          connectedAt: Date.now(),
          domainName: 'localhost',
          identity: { sourceIp: '10.0.0.1' },
          authorizer: { userId: user.id, principalId: user.id },
        },
        localIdentity(process.env),
      )
      await route(event as unknown as WsEvent, lambdaContext)
    },
    async invoke(event) {
      const route = routes[event.requestContext.routeKey as keyof typeof routes]
      await route(event, lambdaContext)
    },
    framesOf: (connectionId) =>
      ((management.posted.get(connectionId) ?? []) as Frame[]).map(({ cursor: _, ...frame }) => frame),
    sentTo: (connectionId) => [...((management.posted.get(connectionId) ?? []) as Frame[])],
    forget: (...connectionIds) => {
      for (const connectionId of connectionIds) management.posted.delete(connectionId)
    },
  }
}

/**
 * A group made by `owner` over HTTP with `members`; checks that every member's device was told of it (one
 * `conversation.updated`, its event 1), then forgets those frames.
 */
export async function startGroup(
  h: Harness,
  owner: Person & { connectionId: string },
  members: readonly (Person & { connectionId: string })[],
  name = 'Team',
): Promise<string> {
  const created = await h.call<{ id: string }>({
    method: 'POST',
    path: '/conversations',
    token: owner.token,
    body: { type: 'group', name, memberIds: members.map((member) => member.id) },
  })
  if (created.status !== 201) throw new Error(`group not created: ${created.status}`)
  const id = created.body.id
  const told = [{ type: 'conversation.updated', conversationId: id, name, ownerId: owner.id, event: 1 }]
  for (const member of [owner, ...members]) {
    const frames = h.framesOf(member.connectionId).filter((frame) => frame.conversationId === id)
    expect(frames, `what ${member.id} was told of the group's making`).toEqual(told)
  }
  h.forget(owner.connectionId, ...members.map((member) => member.connectionId))
  return id
}

/** A user with one connection, for tests that need a few. */
export async function online(h: Harness, friends: Person[] = []) {
  const user = await person()
  for (const friend of friends) await befriend(user, friend)
  return { ...user, connectionId: await h.device(user) }
}
