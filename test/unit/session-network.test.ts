// The sessions list shows where a session was used only down to its network, never the whole address.
import { describe, expect, it } from 'vitest'
import { ipClass } from '../../lib/auth/session-list.ts'

describe('ipClass', () => {
  it('reduces IPv4 to its /24 and IPv6 to its /48', () => {
    expect(ipClass('203.0.113.77')).toBe('203.0.113.0/24')
    expect(ipClass('2001:db8:1234:5678::1')).toBe('2001:db8:1234::/48')
    expect(ipClass('2001:db8::1')).toBe('2001:db8::/48')
    expect(ipClass(null)).toBeNull()
  })
})
