// Every message a scenario sends, and every frame that answers or delivers it: latencies, and what was lost,
// duplicated or refused, counted the same way for both servers.
import { setTimeout as sleep } from 'node:timers/promises'

/** The frames the ledger reads; others (presence, typing, read markers) pass by. */
export interface ServerFrame {
  type: string
  clientMsgId?: string
  code?: string
  message?: { clientMsgId?: string; seq?: number } | string
}

interface Send {
  sentAt: number
  /** Members due a message.new, until it reaches them. */
  due: Set<string>
  recipients: number
  /** When the ack or error frame came, the error's code, and the seq the ack gave the message. */
  answer?: { at: number; code?: string; seq?: number }
  /** Copies beyond the first: a second ack, a second message.new, or one to someone not due it. */
  extra: number
  deliveryMs: number[]
  answered: Signal
  settled: Signal
}

interface Signal {
  promise: Promise<void>
  fire(): void
}

function signal(): Signal {
  let fire = () => {}
  const promise = new Promise<void>((done) => {
    fire = done
  })
  return { promise, fire }
}

export interface LedgerSummary {
  sent: number
  acked: number
  /** Sends answered with an error frame, by its code. */
  refused: Record<string, number>
  /** Acks and message.new frames due (for every send not refused) that never came. */
  lost: number
  duplicated: number
  /** message.new frames that reached a member. */
  delivered: number
  ackMs: number[]
  /** The seq of every acked message, in the order the sends left. */
  ackedSeqs: number[]
  deliveryMs: number[]
  /** Per message that reached every member: the time to the last of them. */
  lastMemberMs: number[]
  /** From the first send to the last frame received that answered or delivered one. */
  elapsedMs: number
}

export const refusedCount = (summary: LedgerSummary) =>
  Object.values(summary.refused).reduce((sum, count) => sum + count, 0)

export class Ledger {
  private readonly sends = new Map<string, Send>()
  private first = Number.POSITIVE_INFINITY
  private last = Number.NEGATIVE_INFINITY

  /** Records a send about to leave; `recipients` are the members due a message.new. */
  expect(clientMsgId: string, recipients: readonly string[]): void {
    const now = performance.now()
    this.first = Math.min(this.first, now)
    this.sends.set(clientMsgId, {
      sentAt: now,
      due: new Set(recipients),
      recipients: recipients.length,
      extra: 0,
      deliveryMs: [],
      answered: signal(),
      settled: signal(),
    })
  }

  receive(receiverId: string, frame: ServerFrame, at: number): void {
    const carried = typeof frame.message === 'object' ? frame.message.clientMsgId : undefined
    const send = this.sends.get(frame.clientMsgId ?? carried ?? '')
    if (!send) return
    this.last = Math.max(this.last, at)
    if (frame.type === 'message.ack' || frame.type === 'error') {
      const seq = typeof frame.message === 'object' ? frame.message.seq : undefined
      if (send.answer) send.extra++
      else
        send.answer = {
          at,
          ...(frame.type === 'error' && { code: frame.code ?? 'unknown' }),
          ...(seq !== undefined && { seq }),
        }
      send.answered.fire()
    } else if (frame.type === 'message.new') {
      if (send.due.delete(receiverId)) send.deliveryMs.push(at - send.sentAt)
      else send.extra++
    } else return
    if (send.answer && (send.answer.code !== undefined || send.due.size === 0)) send.settled.fire()
  }

  /** Resolves once the send is answered and, unless refused, delivered to every member; or after `timeoutMs`. */
  async settled(clientMsgId: string, timeoutMs: number): Promise<void> {
    await this.until(this.sends.get(clientMsgId)?.settled.promise, timeoutMs)
  }

  /** Resolves once the send is answered (acked or refused), or after `timeoutMs`. */
  async answered(clientMsgId: string, timeoutMs: number): Promise<void> {
    await this.until(this.sends.get(clientMsgId)?.answered.promise, timeoutMs)
  }

  async allSettled(timeoutMs: number): Promise<void> {
    await this.until(Promise.all([...this.sends.values()].map((send) => send.settled.promise)), timeoutMs)
  }

  /** Waits for `what`, or `timeoutMs`, whichever comes first, leaving no timer behind. */
  private async until(what: Promise<unknown> | undefined, timeoutMs: number): Promise<void> {
    if (!what) return
    const timer = new AbortController()
    await Promise.race([what, sleep(timeoutMs, undefined, { signal: timer.signal }).catch(() => {})])
    timer.abort()
  }

  summary(): LedgerSummary {
    const sends = [...this.sends.values()]
    const refused: Record<string, number> = {}
    let lost = 0
    for (const send of sends) {
      const code = send.answer?.code
      if (code !== undefined) refused[code] = (refused[code] ?? 0) + 1
      else lost += (send.answer ? 0 : 1) + send.due.size
    }
    return {
      sent: sends.length,
      acked: sends.filter((send) => send.answer && send.answer.code === undefined).length,
      refused,
      lost,
      duplicated: sends.reduce((sum, send) => sum + send.extra, 0),
      delivered: sends.reduce((sum, send) => sum + send.deliveryMs.length, 0),
      ackMs: sends.flatMap((send) =>
        send.answer && send.answer.code === undefined ? [send.answer.at - send.sentAt] : [],
      ),
      ackedSeqs: sends.flatMap((send) => (send.answer?.seq !== undefined ? [send.answer.seq] : [])),
      deliveryMs: sends.flatMap((send) => send.deliveryMs),
      lastMemberMs: sends.flatMap((send) =>
        send.recipients > 0 && send.due.size === 0 ? [Math.max(...send.deliveryMs)] : [],
      ),
      elapsedMs: Number.isFinite(this.last) ? this.last - this.first : 0,
    }
  }
}
