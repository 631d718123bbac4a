import { describe, expect, it } from 'vitest'
import { Ledger } from './ledger.ts'
import { seqFaults } from './scenarios/messaging.ts'

describe('the busy group scenario', () => {
  it('finds seqs given twice and gaps, in any order the acks came', () => {
    expect(seqFaults([3, 1, 2])).toBe('none')
    expect(seqFaults([1, 2, 2, 3])).toBe('1 seq given twice')
    expect(seqFaults([1, 2, 5])).toBe('2 gaps below 5')
  })

  it('keeps the seq of each ack, none for a refusal', () => {
    const ledger = new Ledger()
    ledger.expect('a', [])
    ledger.expect('b', [])
    ledger.receive('u', { type: 'message.ack', clientMsgId: 'a', message: { clientMsgId: 'a', seq: 7 } }, 1)
    ledger.receive('u', { type: 'error', clientMsgId: 'b', code: 'rate_limited' }, 2)
    expect(ledger.summary().ackedSeqs).toEqual([7])
  })
})
