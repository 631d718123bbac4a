// The wrapper every WebSocket route shares: the frame is admitted (live session, frame limit) and counts as
// activity; failures become `error` frames, and a connection whose session ended or that floods is closed.
import type { Redis } from '@upstash/redis'
import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2, Context } from 'aws-lambda'
import { touchActivity } from '../delivery/activity.ts'
import { closeConnection, type Frame, postFrame } from '../delivery/frames.ts'
import { isAppError, RateLimitedError, UnauthorizedError, UnavailableError } from '../errors.ts'
import { logger } from '../log.ts'
import { frames, type ServerFrameOf } from '../protocol/ws.ts'
import { redisClient } from '../stores/redis.ts'
import type { ConnectionsApi } from '../stores/ws-management.ts'
import { type Admission, admitFrame } from './admission.ts'

export type WsEvent = APIGatewayProxyWebsocketEventV2
export type WsResult = APIGatewayProxyResultV2

export interface WsRouteContext {
  connectionId: string
  /** The caller, as the $connect authorizer verified it; a route reading it without one gets an `error` frame. */
  readonly userId: string
  /** Sends a frame to the calling connection, once the frame is admitted. */
  reply(frame: Frame): Promise<void>
  /**
   * Settles when the frame's admission is known (one Redis round trip, started before the route runs): resolves
   * when it may be served, rejects when its session ended or the connection is over its frame limit. A route
   * awaits it, alongside its own first store round trip, before any effect a refused frame must not have.
   */
  readonly admitted: Promise<void>
}

export type WsRoute = (event: WsEvent, ctx: WsRouteContext, lambda: Context) => Promise<void>

/** The `action` and `clientMsgId` of the frame, when its body is a JSON object naming them: an error frame echoes both. */
function factsOf(event: WsEvent): { action?: string; clientMsgId?: string } {
  try {
    const body: unknown = JSON.parse(event.body ?? '')
    if (typeof body !== 'object' || body === null) return {}
    const action: unknown = Reflect.get(body, 'action')
    const clientMsgId: unknown = Reflect.get(body, 'clientMsgId')
    return {
      ...(typeof action === 'string' && { action: action.slice(0, 64) }),
      ...(typeof clientMsgId === 'string' && { clientMsgId: clientMsgId.slice(0, 100) }),
    }
  } catch {
    return {}
  }
}

function authorizerField(event: WsEvent, name: 'userId' | 'sessionId'): string | undefined {
  const authorizer: unknown = Reflect.get(event.requestContext, 'authorizer')
  const value =
    typeof authorizer === 'object' && authorizer !== null ? Reflect.get(authorizer, name) : undefined
  return typeof value === 'string' && value.length > 0 ? value : undefined
}

/** The user id the authorizer put in the context, which API Gateway hands to every later event of the connection. */
export const callerIdOf = (event: WsEvent) => authorizerField(event, 'userId')

/** The session (refresh-token family) the connection was opened with. */
export const sessionIdOf = (event: WsEvent) => authorizerField(event, 'sessionId')

export interface WsHandlerOptions {
  /** Where activity is counted; the shared Upstash client unless a test brings another. */
  redis?: () => Promise<Redis>
}

async function countActivity(redis: () => Promise<Redis>, connectionId: string) {
  try {
    await touchActivity(await redis(), connectionId)
  } catch (error) {
    // A frame is served even when Redis is not; the connection only risks looking idle a little early.
    logger.warn('activity not recorded', { error: error as Error, connectionId })
  }
}

/** Why a frame was not admitted; the wrapper answers it and, when the connection must go, closes it. */
class FrameRefused extends Error {
  constructor(readonly admission: Exclude<Admission, { verdict: 'admitted' }>) {
    super(`frame refused: ${admission.verdict}`)
  }
}

async function admission(redis: () => Promise<Redis>, event: WsEvent): Promise<void> {
  const connectionId = event.requestContext.connectionId
  let answer: Admission
  try {
    answer = await admitFrame(await redis(), { connectionId, sessionId: sessionIdOf(event) })
  } catch (error) {
    // Without an answer the session may have ended: refused, like every check whose store is down.
    logger.error('frame admission unavailable', { error: error as Error, connectionId })
    throw new UnavailableError('The frame could not be checked; retry shortly.', { cause: error })
  }
  if (answer.verdict !== 'admitted') throw new FrameRefused(answer)
}

/** The frame answering a refusal, if any: a flood past its window's warning gets none. */
function refusalFrame(refused: FrameRefused): ServerFrameOf<'error'> | undefined {
  const { admission: why } = refused
  if (why.verdict === 'session_ended')
    return frames.error({ code: 'unauthorized', message: 'The session has ended; sign in again.' })
  if (!why.warn && !why.close) return undefined
  const message = why.close
    ? 'Too many frames; the connection is closed.'
    : 'Too many frames; frames are dropped until retryAfterMs has passed.'
  return frames.error({ code: 'rate_limited', message, retryAfterMs: why.retryAfterMs })
}

/** The `error` frame for a route's failure: the typed error's code, and for a rate limit when to retry. */
function failureFrame(error: unknown): ServerFrameOf<'error'> {
  if (!isAppError(error)) return frames.error({ code: 'internal', message: 'The frame could not be served.' })
  return frames.error({
    code: error.code,
    message: error.message,
    ...(error instanceof RateLimitedError && { retryAfterMs: error.retryAfterMs }),
  })
}

export function wsHandler(management: () => ConnectionsApi, route: WsRoute, options: WsHandlerOptions = {}) {
  const redis = options.redis ?? redisClient
  return async (event: WsEvent, lambda: Context): Promise<WsResult> => {
    const connectionId = event.requestContext.connectionId
    const admitted = admission(redis, event)
    // Settled below in every path; this keeps a refusal the route never awaited from counting as unhandled.
    admitted.catch(() => {})
    const post = (frame: Frame) => postFrame(management(), connectionId, frame)
    const callerId = callerIdOf(event)
    const ctx: WsRouteContext = {
      connectionId,
      admitted,
      reply: async (frame) => {
        await admitted
        await post(frame)
      },
      get userId() {
        if (callerId === undefined) throw new UnauthorizedError('The connection carries no verified user.')
        return callerId
      },
    }
    const activity = countActivity(redis, connectionId)
    try {
      await route(event, ctx, lambda)
      await admitted
    } catch (routeError) {
      // A refused frame is answered as refused, whatever the route ran into meanwhile.
      const error = await admitted.then(
        () => routeError,
        (refusal: unknown) => refusal,
      )
      await answerFailure(management, event, error)
    }
    await activity
    return { statusCode: 200 }
  }
}

async function answerFailure(
  management: () => ConnectionsApi,
  event: WsEvent,
  error: unknown,
): Promise<void> {
  const connectionId = event.requestContext.connectionId
  const refused = error instanceof FrameRefused ? error : undefined
  if (!refused && (!isAppError(error) || error.status >= 500))
    logger.error('websocket route failed', { error: error as Error, connectionId })
  const frame = refused ? refusalFrame(refused) : failureFrame(error)
  const facts = factsOf(event)
  if (frame) {
    await postFrame(
      management(),
      connectionId,
      frames.error({
        ...frame,
        action: facts.action ?? event.requestContext.routeKey,
        ...(facts.clientMsgId !== undefined && { clientMsgId: facts.clientMsgId }),
      }),
    ).catch((sendError: unknown) => logger.warn('error frame not delivered', { error: sendError as Error }))
  }
  const ended = refused?.admission.verdict === 'session_ended'
  const flooding = refused?.admission.verdict === 'limited' && refused.admission.close
  if (!ended && !flooding) return
  logger.warn('websocket connection closed', {
    connectionId,
    userId: callerIdOf(event),
    reason: ended ? 'session ended' : 'frame flood',
  })
  // @connections DELETE is the only close API Gateway offers: the client sees 1000, whatever the reason.
  await closeConnection(management(), connectionId).catch((closeError: unknown) =>
    logger.warn('connection not closed', { error: closeError as Error, connectionId }),
  )
}
