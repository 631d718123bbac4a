// Which synced frames the SDK has already handed to the app, and the order a held catch-up is handed over in.
import type { SyncedFrame } from '../../lib/protocol/ws.ts'

/** The types of `syncedFrame` (lib/protocol/ws.ts), spelled out so the SDK carries no zod; a test holds them equal. */
export const syncedFrameTypes = [
  'message.new',
  'message.updated',
  'message.deleted',
  'reaction',
  'member.added',
  'member.removed',
  'conversation.updated',
  'friend.request',
  'friend.accepted',
] as const satisfies readonly SyncedFrame['type'][]

const syncedTypes: ReadonlySet<string> = new Set(syncedFrameTypes)

/** A frame that changes state: it carries a sync cursor, and `event` when it is a conversation's. */
export const isSynced = (frame: { type: string }): frame is SyncedFrame => syncedTypes.has(frame.type)

/** A conversation event's place: its conversation and number; none for friend events (or a frame without one). */
export function eventOf(frame: SyncedFrame): { conversationId: string; event: number } | undefined {
  if (frame.type === 'friend.request' || frame.type === 'friend.accepted' || frame.event === undefined)
    return undefined
  const conversationId = frame.type === 'message.new' ? frame.message.conversationId : frame.conversationId
  return { conversationId, event: frame.event }
}

/**
 * Numbers past a hole kept at most, per conversation: a reader is never sent some events (in a group, changes to the
 * messages of someone they blocked), so a hole may stay open for good; past this many, the oldest hole is given up.
 */
const aboveHoleLimit = 256

/**
 * Each conversation's delivered event numbers: every number up to `floor`, and those above it in `above` (events may
 * arrive out of order, a live frame before the replay of an earlier one). A conversation is first met at some event
 * and counted from there: what came before was history the app read, or was lost with an expired cursor.
 */
export class DeliveredEvents {
  private readonly byConversation = new Map<string, { floor: number; above: Set<number> }>()

  /** Records the conversation's event; false when it was recorded before (a replay overlapping live frames). */
  add(conversationId: string, event: number): boolean {
    let delivered = this.byConversation.get(conversationId)
    if (!delivered) {
      delivered = { floor: event - 1, above: new Set() }
      this.byConversation.set(conversationId, delivered)
    }
    if (event <= delivered.floor || delivered.above.has(event)) return false
    delivered.above.add(event)
    if (delivered.above.size > aboveHoleLimit) delivered.floor = Math.min(...delivered.above) - 1
    while (delivered.above.delete(delivered.floor + 1)) delivered.floor++
    return true
  }
}

/**
 * A catch-up's frames, replayed and live mixed as they arrived, in the order to hand them over: each conversation's
 * events by number in the places its frames took, other frames where they came; a friend event told twice once.
 */
export function inEventOrder(held: readonly SyncedFrame[]): SyncedFrame[] {
  const places = new Map<string, number[]>()
  const friendEvents = new Set<string>()
  const kept: SyncedFrame[] = []
  const events = new Map<SyncedFrame, number>()
  for (const frame of held) {
    const place = eventOf(frame)
    if (place) {
      events.set(frame, place.event)
      places.set(place.conversationId, [...(places.get(place.conversationId) ?? []), kept.length])
    } else if ('from' in frame) {
      const key = `${frame.type} ${frame.from.id} ${frame.at}`
      if (friendEvents.has(key)) continue
      friendEvents.add(key)
    }
    kept.push(frame)
  }
  const ordered = [...kept]
  for (const indexes of places.values()) {
    const byEvent = indexes
      .map((index) => kept[index] as SyncedFrame)
      .sort((a, b) => (events.get(a) ?? 0) - (events.get(b) ?? 0))
    indexes.forEach((index, i) => {
      ordered[index] = byEvent[i] as SyncedFrame
    })
  }
  return ordered
}
