// A browser's side of Web Push, with node:crypto alone: its subscription keys, and decryption per RFC 8291 (aes128gcm).
import { createDecipheriv, createECDH, hkdfSync, randomBytes } from 'node:crypto'

export interface PushBrowser {
  /** What PushSubscription.toJSON() gives: the endpoint and the keys the server encrypts to. */
  subscription: { endpoint: string; keys: { p256dh: string; auth: string } }
  /** The push service's stand-in token of this endpoint. */
  pushesUrl: string
  decrypt(body: Buffer): unknown
}

const info = (label: string, ...parts: Buffer[]) => Buffer.concat([Buffer.from(label, 'latin1'), ...parts])

/** A subscription at the stand-in: the endpoint it hands out, and a key pair and auth secret of our own. */
export async function subscribedBrowser(standInUrl: string): Promise<PushBrowser> {
  const response = await fetch(`${standInUrl}/subscriptions`, { method: 'POST' })
  const { endpoint } = (await response.json()) as { endpoint: string }
  const ecdh = createECDH('prime256v1')
  const publicKey = ecdh.generateKeys()
  const authSecret = randomBytes(16)
  return {
    subscription: {
      endpoint,
      keys: { p256dh: publicKey.toString('base64url'), auth: authSecret.toString('base64url') },
    },
    pushesUrl: endpoint,
    decrypt(body) {
      // RFC 8188 header: salt (16), record size (4), key id length (1), key id = the sender's public key (65).
      const salt = body.subarray(0, 16)
      const idLength = body.readUInt8(20)
      const senderKey = body.subarray(21, 21 + idLength)
      const record = body.subarray(21 + idLength)
      const shared = ecdh.computeSecret(senderKey)
      // RFC 8291 section 3.4: the auth secret and both public keys bind the key to this subscription.
      const ikm = Buffer.from(
        hkdfSync('sha256', shared, authSecret, info('WebPush: info\0', publicKey, senderKey), 32),
      )
      const key = Buffer.from(hkdfSync('sha256', ikm, salt, info('Content-Encoding: aes128gcm\0'), 16))
      const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, info('Content-Encoding: nonce\0'), 12))
      const decipher = createDecipheriv('aes-128-gcm', key, nonce)
      decipher.setAuthTag(record.subarray(record.length - 16))
      const padded = Buffer.concat([
        decipher.update(record.subarray(0, record.length - 16)),
        decipher.final(),
      ])
      // The last record ends with the delimiter 0x02, then zero padding.
      let end = padded.length - 1
      while (end >= 0 && padded[end] === 0) end--
      if (padded[end] !== 2) throw new Error('not a last record: no 0x02 delimiter')
      return JSON.parse(padded.subarray(0, end).toString('utf8'))
    },
  }
}

export interface TakenPush {
  ttl: number
  urgency: string | null
  body: string
}

export async function pushesTaken(browser: PushBrowser): Promise<TakenPush[]> {
  const response = await fetch(browser.pushesUrl)
  return ((await response.json()) as { pushes: TakenPush[] }).pushes
}

/** The user revokes the permission: the push service answers 410 from now on. */
export async function revoke(browser: PushBrowser): Promise<void> {
  await fetch(`${browser.pushesUrl}/gone`, { method: 'POST' })
}
