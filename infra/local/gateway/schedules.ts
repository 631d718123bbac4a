// EventBridge rate schedules, locally: each schedule's function gets a Scheduled Event every interval.
import { setTimeout as sleep } from 'node:timers/promises'
import { scheduledEvent } from './events.ts'
import type { LocalFunctions } from './lambda.ts'
import type { LocalIdentity, RouteTable } from './table.ts'

export interface SchedulesOptions {
  table: RouteTable
  functions: LocalFunctions
  ids: LocalIdentity
  log: (line: string) => void
  /** Seconds between runs, by schedule name, in place of the table's `everyMinutes`. */
  intervalSeconds?: Record<string, number>
}

export function startSchedules(options: SchedulesOptions): { stop(): Promise<void> } {
  const { functions, ids, log } = options
  const abort = new AbortController()

  const intervals = options.table.schedules.map((schedule) => {
    const seconds = options.intervalSeconds?.[schedule.name] ?? schedule.everyMinutes * 60
    if (!(seconds > 0))
      throw new Error(`schedule ${schedule.name}: the interval must be a positive number of seconds`)
    return { schedule, seconds }
  })

  const loops = intervals.map(async ({ schedule, seconds }) => {
    // Like a rate() rule, the first run comes one interval after the rule exists, and runs do not overlap here.
    while (!abort.signal.aborted) {
      try {
        await sleep(seconds * 1000, undefined, { signal: abort.signal })
      } catch {
        return
      }
      try {
        await functions.invoke(schedule.function, scheduledEvent(schedule.name, ids))
      } catch (error) {
        log(`schedule ${schedule.name}: ${schedule.function} failed: ${String(error)}`)
      }
    }
  })

  return {
    async stop() {
      abort.abort()
      await Promise.all(loops)
    },
  }
}
