// Delivery metrics in CloudWatch's embedded metric format (Powertools Metrics writes them to the function's log):
// messages stored, send-to-ack latency, frames delivered, 410s cleaned, failed posts, fan-out duration.
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics'
import { config } from '../config.ts'
import { deliveryMetrics } from './names.ts'

const { names } = deliveryMetrics
let metrics: Metrics | undefined

/** Created on first use, after the configuration is in place; one per process, as Lambda runs one call at a time. */
function emitter(): Metrics {
  metrics ??= new Metrics({
    namespace: deliveryMetrics.namespace,
    serviceName: deliveryMetrics.service,
    defaultDimensions: { stage: config().STAGE },
  })
  return metrics
}

/** Each record is published at once: fan-outs outlive the handler's return, so nothing waits for a flush. */
function publish(add: (metrics: Metrics) => void): void {
  const target = emitter()
  add(target)
  target.publishStoredMetrics()
}

/** A send answered (its ack posted) `startedAt` (performance.now()) ago; a retried send stores nothing new. */
export function recordSend(sent: { duplicate?: boolean }, startedAt: number): void {
  publish((m) => {
    if (!sent.duplicate) m.addMetric(names.messagesStored, MetricUnit.Count, 1)
    m.addMetric(names.sendToAck, MetricUnit.Milliseconds, performance.now() - startedAt)
  })
}

/** One fan-out's outcome, begun `startedAt` (performance.now()). */
export function recordFanOut(
  delivery: { delivered: number; gone: readonly string[]; failed: number },
  startedAt: number,
) {
  publish((m) => {
    m.addMetric(names.framesDelivered, MetricUnit.Count, delivery.delivered)
    m.addMetric(names.goneConnections, MetricUnit.Count, delivery.gone.length)
    m.addMetric(names.failedPosts, MetricUnit.Count, delivery.failed)
    m.addMetric(names.fanOut, MetricUnit.Milliseconds, performance.now() - startedAt)
  })
}
