import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { deliveryMetrics } from '../../lib/metrics/names.ts'

type Emf = {
  _aws: {
    CloudWatchMetrics: {
      Namespace: string
      Dimensions: string[][]
      Metrics: { Name: string; Unit: string }[]
    }[]
  }
  [field: string]: unknown
}

let recordSend: typeof import('../../lib/metrics/delivery.ts').recordSend
let recordFanOut: typeof import('../../lib/metrics/delivery.ts').recordFanOut

beforeAll(async () => {
  // The suite turns metrics off; these tests are the ones that watch them.
  delete process.env.POWERTOOLS_METRICS_DISABLED
  ;({ recordSend, recordFanOut } = await import('../../lib/metrics/delivery.ts'))
})
afterEach(() => {
  vi.restoreAllMocks()
})

/** The EMF documents written to stdout while `run` runs. */
function emitted(run: () => void): Emf[] {
  const lines: string[] = []
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk))
    return true
  })
  run()
  vi.restoreAllMocks()
  return lines
    .flatMap((line) => line.split('\n'))
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line))
}

describe('delivery metrics', () => {
  const { names } = deliveryMetrics

  it('count a stored message and its time to ack, in the service namespace by service and stage', () => {
    const [document] = emitted(() => recordSend({ duplicate: false }, performance.now() - 12))
    const directive = document?._aws.CloudWatchMetrics[0]
    expect(directive?.Namespace).toBe('ChatService')
    expect(directive?.Dimensions).toEqual([expect.arrayContaining(['service', 'stage'])])
    expect(document).toMatchObject({
      service: 'chat-service',
      stage: process.env.STAGE,
      [names.messagesStored]: 1,
    })
    expect(document?.[names.sendToAck]).toBeGreaterThanOrEqual(12)
  })

  it('count nothing stored for a retried send, yet time its ack', () => {
    const [document] = emitted(() => recordSend({ duplicate: true }, performance.now()))
    expect(document?.[names.messagesStored]).toBeUndefined()
    expect(document?.[names.sendToAck]).toBeTypeOf('number')
  })

  it('count frames delivered, gone connections removed and failed posts of a fan-out, and time it', () => {
    const [document] = emitted(() =>
      recordFanOut({ delivered: 3, gone: ['a', 'b'], failed: 1 }, performance.now() - 5),
    )
    expect(document).toMatchObject({
      [names.framesDelivered]: 3,
      [names.goneConnections]: 2,
      [names.failedPosts]: 1,
    })
    expect(document?.[names.fanOut]).toBeGreaterThanOrEqual(5)
    const units = Object.fromEntries(
      (document?._aws.CloudWatchMetrics[0]?.Metrics ?? []).map((metric) => [metric.Name, metric.Unit]),
    )
    expect(units).toEqual({
      [names.framesDelivered]: 'Count',
      [names.goneConnections]: 'Count',
      [names.failedPosts]: 'Count',
      [names.fanOut]: 'Milliseconds',
    })
  })
})
