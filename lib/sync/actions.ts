// The resume action: a catch-up page as frames on the calling connection, then `resumed`.
import { parseFrame } from '../messages/frame-input.ts'
import { frames, resumeAction as resumeFrame } from '../protocol/ws.ts'
import type { WsRoute } from '../ws/handler.ts'
import { type SyncDeps, syncContext } from './deps.ts'
import { syncSince } from './sync.ts'

/**
 * Sends the page's events in order, one post each (so each keeps its own cursor), then `resumed`. The connection is
 * live meanwhile: a frame fanned out during the catch-up may arrive before or after its replay, with the same
 * `event`. A refused cursor is answered by an `error` frame with code `cursor_expired`.
 */
export function resumeAction(deps: SyncDeps): WsRoute {
  return async (event, socket) => {
    const frame = parseFrame(event, resumeFrame)
    const [ctx] = await Promise.all([syncContext(deps), socket.admitted])
    const page = await syncSince(ctx, socket.userId, frame.cursor, frame.limit)
    for (const synced of page.events) await socket.reply(synced)
    await socket.reply(frames.resumed({ cursor: page.cursor, hasMore: page.hasMore }))
  }
}
