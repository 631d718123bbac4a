// The bench's rows: which way a ratio points, whether a target is met, and the table they make.
import { describe, expect, it } from 'vitest'
import { atLeast, compared, formatNumber, sectionTable, serviceOnly, under, within } from './report.ts'

describe('bench rows', () => {
  it('divide a time by the bare one, and a rate the other way, so the ratio is how many times worse', () => {
    expect(compared('delivery p99', 'ms', 5, 150).ratio).toBe(30)
    expect(compared('messages/s', 'msg/s', 10_000, 20, { higherIsBetter: true }).ratio).toBe(500)
  })

  it('judge a target by the ratio or by the service figure, as the target says', () => {
    expect(compared('p99', 'ms', 5, 39, { goal: within(8) }).met).toBe(true)
    expect(compared('p99', 'ms', 5, 41, { goal: within(8) }).met).toBe(false)
    expect(compared('ack p50', 'ms', 1, 19, { goal: under(20, 'ms') }).met).toBe(true)
    expect(
      compared('rate', 'msg/s', 9_000, 149, { higherIsBetter: true, goal: atLeast(150, 'msg/s') }).met,
    ).toBe(false)
  })

  it('give a figure with no bare counterpart no ratio, and a missing figure no pass', () => {
    const row = serviceOnly('round trips', '', undefined, under(3, ''))
    expect(row.ratio).toBeUndefined()
    expect(row.met).toBe(false)
  })

  it('print a markdown table with the units, the ratio and the verdict', () => {
    const text = sectionTable([
      { name: 'x', title: 'x', notes: [], rows: [compared('a | b', 'ms', 4.25, 139.4, { goal: within(8) })] },
    ])
    expect(text.split('\n')).toEqual([
      '| figure | bare ws | Chat-Service | ratio | target | met |',
      '| --- | --- | --- | --- | --- | --- |',
      '| a \\| b | 4.25 ms | 139 ms | 32.8× | ≤ 8× bare | **no** |',
    ])
  })

  it('round to about three significant figures', () => {
    expect([0.3149, 4.71, 13.25, 139.4, 10_412.2].map(formatNumber)).toEqual([
      '0.31',
      '4.71',
      '13.3',
      '139',
      '10,412',
    ])
  })
})
