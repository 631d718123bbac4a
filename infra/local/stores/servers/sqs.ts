// local-aws-sqs, in memory: queues and messages do not outlive the process (the parent makes the queues again).
//
// Long polls are held here, not by local-aws-sqs. It takes messages for a long poll whose client has gone (they stay
// hidden for their visibility timeout, from every consumer), so a stopped queue poller, or a client that timed out,
// went on taking jobs for up to 20 s; and it answers a long poll only once its batch is full or its wait is over.
// Held here, a long poll answers as SQS does, with what is visible as soon as anything is, and one whose client has
// gone takes nothing. local-aws-sqs still answers each receive itself, asked only when there is something to take.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { Readable } from 'node:stream'
import { createRequestHandler } from 'local-aws-sqs'
import { closeServer, listenOn } from '../listen.ts'
import type { StoreServer } from './index.ts'

/** How often a waiting long poll looks again with no send to wake it: for messages whose visibility or delay ended. */
const lookAgainMs = 100

type Handler = (request: IncomingMessage, response: ServerResponse) => Promise<void>
type Service = ReturnType<typeof createRequestHandler>['service']
type Queue = Service['Queues'][number]

/** A ReceiveMessage this server holds: the JSON protocol's, valid, with a wait, for a standard queue that exists. */
interface LongPoll {
  body: Record<string, unknown>
  queue: Queue
  waitSeconds: number
  maxMessages: number
}

/** An answer of local-aws-sqs's, kept to look at before it is sent on. */
interface Answer {
  status: number
  headers: Record<string, string>
  body: string
}

/** A request whose body was already read, as the handler reads one: headers, then `data` and `end`. */
function replayed(request: IncomingMessage, body: string): IncomingMessage {
  return Object.assign(Readable.from([Buffer.from(body)]), { headers: request.headers }) as IncomingMessage
}

/** local-aws-sqs's answer to `body`, taken rather than sent: the handler sets headers and status, then ends. */
async function answerOf(handler: Handler, request: IncomingMessage, body: object): Promise<Answer> {
  const answer: Answer = { status: 200, headers: {}, body: '' }
  const captured = {
    set statusCode(status: number) {
      answer.status = status
    },
    setHeader(name: string, value: string) {
      answer.headers[name] = value
    },
    end(chunk?: string) {
      answer.body = chunk ?? ''
    },
  }
  await handler(replayed(request, JSON.stringify(body)), captured as unknown as ServerResponse)
  return answer
}

function send(response: ServerResponse, answer: Answer): void {
  response.writeHead(answer.status, answer.headers).end(answer.body)
}

const receiptHandles = (answer: Answer): string[] => {
  if (answer.status !== 200 || answer.body === '') return []
  const { Messages = [] } = JSON.parse(answer.body) as { Messages?: { ReceiptHandle: string }[] }
  return Messages.map((message) => message.ReceiptHandle)
}

/** Messages a receive would take now: neither delayed nor hidden (local-aws-sqs counts the hidden as messages). */
function visibleMessages(queue: Queue): number {
  const counts = queue.getAttributes(['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'])
  return Number(counts.ApproximateNumberOfMessages) - Number(counts.ApproximateNumberOfMessagesNotVisible)
}

const isIntegerIn = (value: unknown, low: number, high: number) =>
  Number.isInteger(value) && (value as number) >= low && (value as number) <= high

/** The long poll `body` asks for, if this server holds it; anything else goes to local-aws-sqs as it came. */
function longPollOf(service: Service, body: string): LongPoll | undefined {
  let parsed: Record<string, unknown>
  try {
    parsed = JSON.parse(body) as Record<string, unknown>
  } catch {
    return undefined
  }
  const name = typeof parsed.QueueUrl === 'string' ? parsed.QueueUrl.split('/').pop() : undefined
  const queue = service.Queues.find((candidate) => candidate.QueueName === name)
  // A FIFO queue's visible messages may all be held back by their groups: its long polls stay local-aws-sqs's.
  if (!queue || queue.FifoQueue) return undefined
  const waitSeconds = parsed.WaitTimeSeconds ?? queue.ReceiveMessageWaitTimeSeconds
  const maxMessages = parsed.MaxNumberOfMessages ?? 1
  if (!isIntegerIn(waitSeconds, 1, 20) || !isIntegerIn(maxMessages, 1, 10)) return undefined
  return { body: parsed, queue, waitSeconds: waitSeconds as number, maxMessages: maxMessages as number }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString()
}

/** local-aws-sqs's handler, with long polls held here (see the top of this file). */
function holdingLongPolls(handler: Handler, service: Service): Handler {
  const waiting = new Set<() => void>()
  const wakeAll = () => {
    for (const wake of waiting) wake()
  }

  /** Until something may have become visible (a request done, or lookAgainMs passed) or the client left. */
  function nextLook(response: ServerResponse, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        waiting.delete(done)
        response.off('close', done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      waiting.add(done)
      response.once('close', done)
    })
  }

  async function hold(request: IncomingMessage, response: ServerResponse, poll: LongPoll): Promise<void> {
    const deadline = Date.now() + poll.waitSeconds * 1000
    let left = false
    response.once('close', () => {
      left = !response.writableFinished
    })
    for (;;) {
      if (left) return
      const visible = visibleMessages(poll.queue)
      const last = Date.now() >= deadline
      if (visible > 0 || last) {
        // With no wait and no more than are visible, local-aws-sqs answers at its first look (within 10 ms).
        const maxMessages = last ? poll.maxMessages : Math.min(poll.maxMessages, visible)
        const answer = await answerOf(handler, request, {
          ...poll.body,
          WaitTimeSeconds: 0,
          MaxNumberOfMessages: maxMessages,
        })
        const handles = receiptHandles(answer)
        if (left) {
          // The client left during those few milliseconds: what it took is visible again (local-aws-sqs counts
          // this as a receive, so the rare message that lands here shows one receive more than it had).
          for (const handle of handles) poll.queue.changeVisibility(handle, '0')
          return
        }
        if (handles.length > 0 || last || answer.status !== 200) return send(response, answer)
      }
      await nextLook(response, Math.max(0, Math.min(lookAgainMs, deadline - Date.now())))
    }
  }

  async function receive(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request)
    const poll = longPollOf(service, body)
    if (!poll) return handler(replayed(request, body), response)
    return hold(request, response, poll)
  }

  return async (request, response) => {
    if (request.headers['x-amz-target'] !== 'AmazonSQS.ReceiveMessage') {
      // A send, a change of visibility, a delete: a waiting long poll looks again once it is done, after the
      // zero-delay timer with which local-aws-sqs makes a new message receivable.
      response.once('finish', () => setTimeout(wakeAll, 0))
      return handler(request, response)
    }
    return receive(request, response).catch(() => {
      // A request that ended before its body did: nobody is left to answer.
      response.destroy()
    })
  }
}

export async function serve({ port, region }: { port: number; region: string }): Promise<StoreServer> {
  const { service, requestHandler } = createRequestHandler({ port, hostname: '127.0.0.1', region })
  const server = createServer(holdingLongPolls(requestHandler, service))
  // The queue URLs it hands out carry the port it listens on, the OS's pick when given 0.
  service.PORT = await listenOn(server, port)
  return { port: service.PORT, close: () => closeServer(server) }
}
