// The allowlist a local run gives the functions: the browsers' services, the origins given, and the stand-in.
import { describe, expect, it } from 'vitest'
import { localAllowlist } from '../../infra/local/stores/push.ts'
import { browserPushServices } from '../../lib/push/endpoints.ts'

describe('the local push allowlist', () => {
  it('adds the stand-in to the browsers’ push services', () => {
    expect(localAllowlist(undefined, 'http://127.0.0.1:4902').split(',')).toEqual([
      ...browserPushServices,
      'http://127.0.0.1:4902',
    ])
  })

  it('adds the origins PUSH_ENDPOINT_ALLOWLIST gives, once each', () => {
    const list = localAllowlist(' https://push.example ,https://fcm.googleapis.com,', 'http://127.0.0.1:4902')
    expect(list.split(',')).toEqual([...browserPushServices, 'https://push.example', 'http://127.0.0.1:4902'])
  })
})
