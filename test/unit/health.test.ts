import { describe, expect, it } from 'vitest'
import { checkStores } from '../../lib/health/stores.ts'

describe('store health', () => {
  it('is ok when every probe answers', async () => {
    const report = await checkStores({ a: async () => 1, b: async () => 'PONG' })
    expect(report.status).toBe('ok')
    expect(report.stores.a?.status).toBe('up')
    expect(report.stores.b?.status).toBe('up')
  })

  it('marks a failing store down without leaking its error message', async () => {
    const report = await checkStores({
      good: async () => 1,
      bad: async () => {
        throw new TypeError('connect ECONNREFUSED postgres://admin:secret@10.0.0.1')
      },
    })
    expect(report.status).toBe('degraded')
    expect(report.stores.bad).toMatchObject({ status: 'down', error: 'TypeError' })
    expect(JSON.stringify(report)).not.toContain('secret')
  })

  it('marks a store that does not answer within the deadline down', async () => {
    const report = await checkStores({ slow: () => new Promise(() => {}) }, 50)
    expect(report.stores.slow).toMatchObject({ status: 'down', error: 'no answer within 50 ms' })
  })
})
