// The chain of store round trips before an answer, with what ran side by side at each step.
import { describe, expect, it } from 'vitest'
import { chainBefore } from './chain.ts'

const trip = (store: string, what: string, start: number, end: number) => ({ store, what, start, end })

describe('chainBefore', () => {
  it('groups trips that ran side by side into one step, and counts steps one after another', () => {
    const trips = [
      trip('postgres', 'select', 0, 5),
      trip('mongo', 'find', 1, 4),
      trip('redis', 'evalsha', 1, 3),
      trip('postgres', 'update', 6, 8),
      trip('mongo', 'insert', 9, 12),
    ]
    expect(chainBefore(trips, 13)).toEqual([
      ['postgres select', 'mongo find', 'redis evalsha'],
      ['postgres update'],
      ['mongo insert'],
    ])
  })

  it('leaves out trips that started after the answer left', () => {
    const trips = [trip('postgres', 'select', 0, 5), trip('dynamodb', 'Query', 7, 9)]
    expect(chainBefore(trips, 6)).toEqual([['postgres select']])
  })
})
