// One account mail, and its RFC 5322 form: what SES sends as raw content and what a local run keeps as .eml.
import { randomBytes } from 'node:crypto'

export interface Mail {
  to: string
  subject: string
  /** Plain text only: links stay readable and nothing in the mail runs. */
  text: string
}

/** Sends one mail; throws when it could not be handed over. */
export type SendMail = (mail: Mail) => Promise<void>

/** A header value never carries a line break, so a crafted address or subject cannot add headers. */
const headerValue = (value: string) => value.replace(/[\r\n]+/g, ' ')

/** Non-ASCII subjects as RFC 2047 encoded words. */
function encodedSubject(subject: string): string {
  const clean = headerValue(subject)
  return /^[\x20-\x7e]*$/.test(clean) ? clean : `=?UTF-8?B?${Buffer.from(clean).toString('base64')}?=`
}

export function renderMail(mail: Mail, from: string, now = new Date()): string {
  const domain = /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'localhost'
  const body = Buffer.from(mail.text.replace(/\r?\n/g, '\r\n')).toString('base64').replace(/.{76}/g, '$&\r\n')
  return [
    `From: ${headerValue(from)}`,
    `To: ${headerValue(mail.to)}`,
    `Subject: ${encodedSubject(mail.subject)}`,
    `Date: ${now.toUTCString()}`,
    `Message-ID: <${randomBytes(12).toString('hex')}@${domain}>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    body,
    '',
  ].join('\r\n')
}
