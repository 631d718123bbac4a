// The bench's accounting of each message: what counts as delivered, lost, duplicated and refused.
import { describe, expect, it } from 'vitest'
import { Ledger } from './ledger.ts'

const ack = (clientMsgId: string) => ({ type: 'message.ack', clientMsgId, message: { clientMsgId } })
const delivery = (clientMsgId: string) => ({ type: 'message.new', message: { clientMsgId } })

describe('the bench ledger', () => {
  it('counts a message acked and delivered once to each member as whole, and times both', () => {
    const ledger = new Ledger()
    ledger.expect('m1', ['bob', 'carol'])
    ledger.receive('alice', ack('m1'), performance.now())
    ledger.receive('bob', delivery('m1'), performance.now())
    ledger.receive('carol', delivery('m1'), performance.now())
    const summary = ledger.summary()
    expect(summary).toMatchObject({ sent: 1, acked: 1, lost: 0, duplicated: 0, delivered: 2, refused: {} })
    expect(summary.ackMs).toHaveLength(1)
    expect(summary.deliveryMs).toHaveLength(2)
    expect(summary.lastMemberMs).toHaveLength(1)
  })

  it('counts a missing ack and each member not reached as lost', () => {
    const ledger = new Ledger()
    ledger.expect('m1', ['bob', 'carol'])
    ledger.expect('m2', ['bob'])
    ledger.receive('bob', delivery('m1'), performance.now())
    ledger.receive('alice', ack('m2'), performance.now())
    expect(ledger.summary()).toMatchObject({ lost: 3, delivered: 1 })
    expect(ledger.summary().lastMemberMs).toHaveLength(0)
  })

  it('counts a second copy, and a copy to someone not due it, as duplicated', () => {
    const ledger = new Ledger()
    ledger.expect('m1', ['bob'])
    ledger.receive('alice', ack('m1'), performance.now())
    ledger.receive('alice', ack('m1'), performance.now())
    ledger.receive('bob', delivery('m1'), performance.now())
    ledger.receive('bob', delivery('m1'), performance.now())
    ledger.receive('mallory', delivery('m1'), performance.now())
    expect(ledger.summary()).toMatchObject({ duplicated: 3, delivered: 1, lost: 0 })
  })

  it('counts an error frame naming the send as refused, by code, with nothing due after it', async () => {
    const ledger = new Ledger()
    ledger.expect('m1', ['bob'])
    ledger.expect('m2', ['bob'])
    ledger.receive('alice', { type: 'error', code: 'unavailable', clientMsgId: 'm1' }, performance.now())
    ledger.receive('alice', { type: 'error', code: 'rate_limited', clientMsgId: 'm2' }, performance.now())
    await ledger.allSettled(1_000)
    expect(ledger.summary()).toMatchObject({
      refused: { unavailable: 1, rate_limited: 1 },
      lost: 0,
      acked: 0,
    })
  })

  it('settles a send once it is acked and every member has it, not before', async () => {
    const ledger = new Ledger()
    ledger.expect('m1', ['bob'])
    let settled = false
    const waiting = ledger.settled('m1', 5_000).then(() => {
      settled = true
    })
    ledger.receive('alice', ack('m1'), performance.now())
    await ledger.answered('m1', 1_000)
    expect(settled).toBe(false)
    ledger.receive('bob', delivery('m1'), performance.now())
    await waiting
    expect(settled).toBe(true)
  })

  it('ignores frames that carry no message it sent', () => {
    const ledger = new Ledger()
    ledger.expect('m1', ['bob'])
    ledger.receive('bob', { type: 'presence' }, performance.now())
    ledger.receive('bob', delivery('someone else'), performance.now())
    expect(ledger.summary()).toMatchObject({ delivered: 0, duplicated: 0, lost: 2 })
  })
})
